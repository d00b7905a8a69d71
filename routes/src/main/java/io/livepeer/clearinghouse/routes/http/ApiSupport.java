package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * Helpers for the HTTP API: JSON bodies, RFC 9457 problem responses ({@code application/problem+json}) and
 * query-parameter parsing with errors that name the parameter.
 */
public final class ApiSupport {

    /** Default and maximum page sizes of list endpoints. */
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private ApiSupport() {
    }

    /** A bad parameter or body: a 400 problem naming the field. */
    public static class BadRequest extends ApiException {
        public BadRequest(String field, String message) {
            super(400, "Bad Request", field, message, java.util.Map.of());
        }
    }

    /** Writes a JSON body with a status. */
    /** A platform-http endpoint URI for {@code path} restricted to {@code methods} (e.g. {@code "GET,POST"}). */
    public static String endpoint(String path, String methods) {
        return "platform-http:" + path + "?httpMethodRestrict=" + methods;
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
            throw new ApiException(415, "Unsupported Media Type", "Content-Type", "send the body as JSON with "
                    + "Content-Type: application/json, not " + type.split(";")[0].trim(), Map.of());
        }
    }

    /** Whether a {@code Content-Type} is one the HTTP server parses as a form. */
    public static boolean isForm(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = contentType.toLowerCase(Locale.ROOT).trim();
        return t.startsWith("application/x-www-form-urlencoded") || t.startsWith("multipart/form-data");
    }

    public static void json(Exchange exchange, int status, Object body) {
        clearHeaders(exchange);
        try {
            exchange.getMessage().setBody(Json.mapper().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response could not be serialized", e);
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    /**
     * Writes an RFC 9457 problem.
     *
     * @param status HTTP status
     * @param title  short summary
     * @param detail explanation
     * @param field  the offending field or parameter, or null
     */
    public static void problem(Exchange exchange, int status, String title, String detail, String field) {
        ObjectNode problem = Json.mapper().createObjectNode();
        problem.put("type", "about:blank");
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        if (field != null) {
            ArrayNode errors = problem.putArray("errors");
            errors.addObject().put("field", field).put("message", detail);
        }
        clearHeaders(exchange);
        exchange.getMessage().setBody(problem.toString());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/problem+json");
    }

    /**
     * Drops every message header before a response is written: platform-http turns message headers into response
     * headers, and the inbound ones (query parameters, {@code Authorization}) must never be echoed back.
     */
    public static void clearHeaders(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
    }

    /** Writes the problem for Bean Validation violations, one {@code errors[]} entry per field. */
    public static void problem(Exchange exchange, jakarta.validation.ConstraintViolationException e) {
        clearHeaders(exchange);
        ObjectNode problem = Json.mapper().createObjectNode();
        problem.put("type", "about:blank");
        problem.put("title", "Bad Request");
        problem.put("status", 400);
        ArrayNode errors = problem.putArray("errors");
        java.util.List<String> details = new java.util.ArrayList<>();
        e.getConstraintViolations().stream()
                .sorted(java.util.Comparator.comparing(v -> Bodies.jsonName(v.getPropertyPath().toString())))
                .forEach(v -> {
                    String field = Bodies.jsonName(v.getPropertyPath().toString());
                    errors.addObject().put("field", field).put("message", v.getMessage());
                    details.add(field + " " + v.getMessage());
                });
        problem.put("detail", String.join("; ", details));
        exchange.getMessage().setBody(problem.toString());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/problem+json");
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

    /** A page size: {@code limit} within 1..{@link #MAX_LIMIT}, default {@link #DEFAULT_LIMIT}. */
    public static int limit(Exchange exchange) {
        return limit(exchange, "limit");
    }

    /** A page size parameter within 1..{@link #MAX_LIMIT}, default {@link #DEFAULT_LIMIT}. */
    public static int limit(Exchange exchange, String name) {
        int limit = positiveInt(exchange, name, DEFAULT_LIMIT);
        if (limit > MAX_LIMIT) {
            throw new BadRequest(name, name + " must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        return limit;
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

    /** A numeric cursor (exclusive upper bound of the previous page), or null. */
    public static Long cursor(Exchange exchange) {
        String value = query(exchange, "cursor");
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BadRequest("cursor", "cursor must be the next_cursor of a previous page, got '" + value + "'");
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
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
            }
            throw new BadRequest(name, name + " must be one of " + allowed + ", got '" + value + "'");
        }
    }

    /** A small JSON object from key/value pairs (insertion order kept). */
    public static ObjectNode object(Map<String, ?> values) {
        return Json.mapper().valueToTree(values);
    }
}
