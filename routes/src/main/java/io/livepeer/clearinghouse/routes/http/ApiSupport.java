package io.livepeer.clearinghouse.routes.http;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.camel.Exchange;

/**
 * Helpers for the HTTP API routes: writing responses (typed bodies, bound to JSON by the REST DSL), refusing form
 * bodies, and reading the query parameters the REST DSL declares, with errors that name the parameter.
 *
 * <p>Paging is one style everywhere: {@code limit} (1..{@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}) and an
 * opaque {@code cursor}, the {@code next_cursor} of the previous page ({@code null} on the last page).
 */
public final class ApiSupport {

    /** Default and maximum page sizes of list endpoints. */
    public static final int DEFAULT_LIMIT = 50;

    public static final int MAX_LIMIT = 500;

    private ApiSupport() {}

    /** A bad parameter or body: a 400 problem naming the field. */
    public static class BadRequest extends ApiException {
        public BadRequest(String field, String message) {
            super(400, "Bad Request", field, message, Map.of());
        }
    }

    /**
     * Sets the response: drops the request's headers (see {@link #clearHeaders}), then the status and the body, a
     * response record the REST binding writes as JSON.
     */
    public static void respond(Exchange exchange, int status, Object body) {
        clearHeaders(exchange);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(body);
    }

    /** Writes a problem ({@code application/problem+json}); the REST binding leaves error bodies as they are. */
    public static void problem(Exchange exchange, Problem problem) {
        clearHeaders(exchange);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, problem.status());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, Problem.MEDIA_TYPE);
        exchange.getMessage().setBody(ApiJson.write(problem));
    }

    /**
     * Drops every message header before a response is written: platform-http turns message headers into response
     * headers, and the inbound ones (query parameters, {@code Authorization}) must never be echoed back.
     */
    public static void clearHeaders(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
    }

    /**
     * Refuses a form-encoded request body with 415: the HTTP server parses forms into fields and drops the raw
     * body, so a JSON body sent as a form ({@code curl -d} without {@code -H 'Content-Type: application/json'})
     * would otherwise arrive empty and, for optional bodies, be silently ignored.
     *
     * @throws ApiException 415 naming the {@code Content-Type} header
     */
    public static void requireJsonBody(Exchange exchange) {
        String type = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (isForm(type)) {
            throw new ApiException(
                    415,
                    "Unsupported Media Type",
                    "Content-Type",
                    "send the body as JSON with " + "Content-Type: application/json, not " + type.split(";")[0].trim(),
                    Map.of());
        }
    }

    /** Names that carry credentials; platform-http maps query parameters to headers of the same name. */
    private static final java.util.Set<String> CREDENTIAL_NAMES =
            java.util.Set.of("authorization", "x-admin-token", "x-api-key", "x-webhook-secret");

    /**
     * Whether the request's query string names a credential ({@code Authorization}, {@code X-Admin-Token},
     * {@code X-Api-Key}, {@code X-Webhook-Secret}, any case). Such a request is refused: a token in a URL ends up in
     * proxy and access logs, and platform-http would otherwise present it as the header of the same name.
     */
    public static boolean credentialInQuery(Exchange exchange) {
        String query = exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class);
        if (query == null || query.isEmpty()) {
            return false;
        }
        for (String pair : query.split("&")) {
            String name = pair.split("=", 2)[0];
            try {
                name = java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // a malformed escape: compare the raw name
            }
            if (CREDENTIAL_NAMES.contains(name.trim().toLowerCase(java.util.Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a {@code Content-Type} is one the HTTP server parses as a form. */
    public static boolean isForm(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = contentType.toLowerCase(Locale.ROOT).trim();
        return t.startsWith("application/x-www-form-urlencoded") || t.startsWith("multipart/form-data");
    }

    /** A query parameter, or null when absent or blank. */
    public static String query(Exchange exchange, String name) {
        Object value = exchange.getMessage().getHeader(name);
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? null : text;
    }

    /** The page size: {@code limit} within 1..{@link #MAX_LIMIT}, default {@link #DEFAULT_LIMIT}. */
    public static int limit(Exchange exchange) {
        rejectPageAndSize(exchange);
        int limit = positiveInt(exchange, "limit", DEFAULT_LIMIT);
        if (limit > MAX_LIMIT) {
            throw new BadRequest("limit", "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        return limit;
    }

    /**
     * The {@code cursor} parameter: where the page starts, as the {@code next_cursor} of the previous page made it
     * (a position such as an exclusive upper bound of ids, or an offset); null for the first page.
     */
    public static Long cursor(Exchange exchange) {
        String value = query(exchange, "cursor");
        if (value == null) {
            return null;
        }
        try {
            long position = Long.parseLong(value);
            if (position >= 0) {
                return position;
            }
        } catch (NumberFormatException e) {
            // falls through to the problem below
        }
        throw new BadRequest("cursor", "cursor must be the next_cursor of a previous page, got '" + value + "'");
    }

    /**
     * The {@code next_cursor} of a page read newest first below a cursor: the position of its last row, or null
     * when the page is not full (the last page).
     */
    public static <T> String nextCursor(List<T> page, int limit, ToLongFunction<T> position) {
        return page.size() == limit ? String.valueOf(position.applyAsLong(page.get(page.size() - 1))) : null;
    }

    /** The {@code next_cursor} of a page read at {@code offset}: the next offset, or null on the last page. */
    public static String nextOffsetCursor(List<?> page, int limit, long offset) {
        return page.size() == limit ? String.valueOf(offset + limit) : null;
    }

    /** A positive whole-number parameter. */
    public static int positiveInt(Exchange exchange, String name, int fallback) {
        String value = query(exchange, name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < 1) {
                throw new BadRequest(name, name + " must be at least 1, got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new BadRequest(name, name + " must be a whole number, got '" + value + "'");
        }
    }

    /** An instant parameter: RFC 3339 ({@code 2026-08-20T10:00:00Z}) or a UTC date ({@code 2026-08-20}). */
    public static Instant instant(Exchange exchange, String name, Instant fallback) {
        String value = query(exchange, name);
        if (value == null) {
            return fallback;
        }
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadRequest(name, name + " must be an RFC 3339 time or a date (YYYY-MM-DD), got '" + value + "'");
        }
    }

    /** An enum parameter, case-insensitive. */
    public static <E extends Enum<E>> E enumValue(Exchange exchange, String name, Class<E> type) {
        String value = query(exchange, name);
        if (value == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(name, name + " must be one of " + lowerCase(type) + ", got '" + value + "'");
        }
    }

    /** An enum's constants in lower case, comma-separated ({@code pending, delivered, rejected}). */
    public static String lowerCase(Class<? extends Enum<?>> type) {
        StringBuilder allowed = new StringBuilder();
        for (Enum<?> constant : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ")
                    .append(constant.name().toLowerCase(Locale.ROOT));
        }
        return allowed.toString();
    }

    /**
     * Refuses the {@code page}/{@code size} paging of earlier versions by name, rather than silently answering the
     * first page to a client that would then stop (it would look for a {@code next_page} that no longer comes).
     */
    private static void rejectPageAndSize(Exchange exchange) {
        for (String old : List.of("page", "size")) {
            if (query(exchange, old) != null) {
                throw new BadRequest(
                        old,
                        "page and size were replaced by limit and cursor: ask with limit, then"
                                + " pass each response's next_cursor as cursor (see docs/api.md)");
            }
        }
    }
}
