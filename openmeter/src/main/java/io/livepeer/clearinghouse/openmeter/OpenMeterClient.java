package io.livepeer.clearinghouse.openmeter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one OpenMeter / Konnect client, both dialects: JSON calls below the {@linkplain OpenMeterUrl API root} (the
 * catalog: meters, features, plans, customers, subscriptions) and event ingest ({@code POST {root}/events}). Every
 * call goes through the same {@link Transport} (JDK {@code HttpClient}) and the same {@link Retries} policy
 * (Failsafe: IO errors, 429 and 5xx retried with backoff and {@code Retry-After}). The bearer token, when set, is sent
 * as {@code Authorization: Bearer …} on every request and never appears in messages or logs. Thread-safe.
 */
public final class OpenMeterClient implements EventIngest {

    /** Content type of an ingest batch. Bare: OpenMeter v1 compares it exactly, {@code ; charset=…} gets a 400. */
    public static final String CLOUDEVENTS_BATCH = "application/cloudevents-batch+json";

    private static final Logger LOG = LoggerFactory.getLogger(OpenMeterClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads meter values exactly: a v1 JSON number keeps its digits instead of becoming a double. */
    private static final ObjectMapper DECIMALS =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static final String ACCEPT = "application/json, application/problem+json";

    private final OpenMeterUrl url;
    private final Optional<String> token;
    private final Duration timeout;
    private final Retries retries;
    private final Consumer<String> progress;
    private final Transport transport;
    private final Clock clock;
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();

    /**
     * A client over the JDK HTTP client, logging retry notices through SLF4J.
     *
     * @param url     the resolved endpoint
     * @param token   bearer token, empty (or blank) for none
     * @param timeout connect timeout and per-request timeout
     * @param retries the retry budget and backoff
     */
    public OpenMeterClient(OpenMeterUrl url, Optional<String> token, Duration timeout, Retries retries) {
        this(url, token, timeout, retries, line -> LOG.warn(line.strip()), Transport.jdk(timeout), Clock.systemUTC());
    }

    /**
     * A client over the JDK HTTP client.
     *
     * @param url      the resolved endpoint
     * @param token    bearer token, empty (or blank) for none
     * @param timeout  connect timeout and per-request timeout
     * @param retries  the retry budget and backoff
     * @param progress where retry notices go (one line each, never containing the token)
     */
    public OpenMeterClient(
            OpenMeterUrl url, Optional<String> token, Duration timeout, Retries retries, Consumer<String> progress) {
        this(url, token, timeout, retries, progress, Transport.jdk(timeout), Clock.systemUTC());
    }

    /**
     * A client over any transport.
     *
     * @param url       the resolved endpoint
     * @param token     bearer token, empty (or blank) for none
     * @param timeout   per-request timeout
     * @param retries   the retry budget and backoff
     * @param progress  where retry notices go
     * @param transport sends the requests
     * @param clock     measures {@code Retry-After} dates
     */
    public OpenMeterClient(
            OpenMeterUrl url,
            Optional<String> token,
            Duration timeout,
            Retries retries,
            Consumer<String> progress,
            Transport transport,
            Clock clock) {
        this.url = Objects.requireNonNull(url, "url");
        this.token = token.map(String::trim).filter(t -> !t.isEmpty());
        this.timeout = timeout;
        this.retries = retries;
        this.progress = progress;
        this.transport = transport;
        this.clock = clock;
    }

    /** The endpoint: API root and dialect. */
    public OpenMeterUrl url() {
        return url;
    }

    /** The dialect spoken. */
    public Dialect dialect() {
        return url.dialect();
    }

    /** Whether a bearer token is sent. */
    public boolean hasToken() {
        return token.isPresent();
    }

    /** GET requests made (retries included). */
    public int reads() {
        return reads.get();
    }

    /** POST/PUT/PATCH/DELETE requests made, ingest included (retries included). */
    public int writes() {
        return writes.get();
    }

    /**
     * POSTs a batch of CloudEvents to {@code {root}/events} as {@code application/cloudevents-batch+json}.
     *
     * @param batchJson a JSON array of structured CloudEvents, UTF-8
     * @return the final answer, any status (429/5xx only once the retries, if any, are exhausted)
     * @throws IOException when no answer was obtained
     */
    @Override
    public OpenMeterResponse ingest(byte[] batchJson) throws IOException {
        HttpRequest request = request(url.ingestUrl())
                .header("Content-Type", CLOUDEVENTS_BATCH)
                .POST(HttpRequest.BodyPublishers.ofByteArray(batchJson))
                .build();
        return execute("ingest events", request, writes);
    }

    /**
     * Sends a JSON request below the API root, retrying transient failures.
     *
     * @param operation what is being done, for messages ({@code create meter fee_wei})
     * @param method    HTTP method
     * @param path      path below the API root, starting with {@code /} (e.g. {@link OpenMeterUrl#METERS})
     * @param query     query parameters (encoded here), may be empty
     * @param body      JSON body, or null
     * @return the final answer (any status; 429/5xx only once the retries are exhausted)
     * @throws ApiProblem with status 0 when the server cannot be reached after the retries
     */
    public OpenMeterResponse send(
            String operation, String method, String path, Map<String, String> query, JsonNode body) {
        String uri = url.url(path)
                + (query.isEmpty()
                        ? ""
                        : "?"
                                + query.entrySet().stream()
                                        .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                                        .collect(Collectors.joining("&")));
        HttpRequest.Builder builder = request(uri);
        if (body != null) {
            builder.header("Content-Type", "application/json");
            builder.method(method, HttpRequest.BodyPublishers.ofString(write(body), StandardCharsets.UTF_8));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return execute(operation, builder.build(), method.equals("GET") ? reads : writes);
        } catch (IOException e) {
            throw new ApiProblem(operation, 0, null, describe(e) + " (" + url.apiRoot() + ")", List.of());
        }
    }

    /**
     * Sends a JSON request and requires a 2xx answer.
     *
     * @return the parsed body, or null when empty
     * @throws ApiProblem for any other final answer, with the server's problem details
     */
    public JsonNode expect(String operation, String method, String path, Map<String, String> query, JsonNode body) {
        OpenMeterResponse response = send(operation, method, path, query, body);
        if (!response.ok()) {
            throw response.problem(operation);
        }
        return response.json();
    }

    /**
     * Queries a meter's usage over {@code [from, to)} as one aggregate per subject (no time windows), in the
     * endpoint's dialect:
     * <ul>
     *   <li>v1: {@code GET {root}/meters/{key}/query?from=…&to=…&groupBy=subject} (spec operation
     *       {@code queryMeter}); rows {@code {subject, value: number, windowStart, windowEnd, groupBy}}</li>
     *   <li>v3 / Konnect: the meter's id is looked up by key ({@code GET {root}/meters?filter[key]=…}, live meters
     *       only), then {@code POST {root}/meters/{id}/query} with {@code {from, to, group_by_dimensions:
     *       ["subject"]}} (spec operation {@code query-meter}); rows {@code {dimensions: {subject}, value:
     *       "decimal"}}</li>
     * </ul>
     * Both specs call {@code to} the end of the period; OpenMeter compares event times (stored to the second)
     * {@code >= from} and {@code < to}, so pass whole seconds. Read-only; retried like every call.
     *
     * @param meterKey meter key (v1 slug), e.g. {@code network_fee_usd_micros}
     * @param from     start, inclusive
     * @param to       end, exclusive
     * @return the per-subject aggregates
     * @throws ApiProblem when OpenMeter refuses (404: no such meter), answers something unreadable, or stays
     *                    unreachable (status 0)
     */
    public MeterUsage queryMeterBySubject(String meterKey, Instant from, Instant to) {
        String operation = "query meter " + meterKey;
        List<MeterUsage.Row> rows = new ArrayList<>();
        if (dialect() == Dialect.V1) {
            JsonNode body = decimals(
                    operation,
                    send(
                            operation,
                            "GET",
                            OpenMeterUrl.METERS + "/" + enc(meterKey) + "/query",
                            query("from", from.toString(), "to", to.toString(), "groupBy", "subject"),
                            null));
            for (JsonNode row : body.path("data")) {
                JsonNode subject = row.get("subject");
                rows.add(new MeterUsage.Row(
                        subject == null || subject.isNull() ? "" : subject.asText(), value(operation, row)));
            }
        } else {
            String id = v3MeterId(meterKey);
            ObjectNode request =
                    JSON.createObjectNode().put("from", from.toString()).put("to", to.toString());
            request.putArray("group_by_dimensions").add("subject");
            JsonNode body = decimals(
                    operation,
                    send(operation, "POST", OpenMeterUrl.METERS + "/" + enc(id) + "/query", Map.of(), request));
            for (JsonNode row : body.path("data")) {
                rows.add(new MeterUsage.Row(
                        row.path("dimensions").path("subject").asText(""), value(operation, row)));
            }
        }
        return new MeterUsage(meterKey, from, to, rows);
    }

    /**
     * Queries a meter's usage over {@code [from, to)} per subject and time window of {@code windowSize} (UTC), in the
     * endpoint's dialect:
     * <ul>
     *   <li>v1: {@code GET {root}/meters/{key}/query?from&to&windowSize=HOUR&windowTimeZone=UTC&groupBy=subject}
     *       (spec {@code queryMeter}); rows {@code {subject, windowStart, windowEnd, value: number}}</li>
     *   <li>v3 / Konnect: the meter's id by key, then {@code POST {root}/meters/{id}/query} with {@code {from, to,
     *       granularity: "PT1H", time_zone: "UTC", group_by_dimensions: ["subject"]}} (spec {@code query-meter}); rows
     *       {@code {from, to, dimensions: {subject}, value: "decimal"}}</li>
     * </ul>
     * Each row is keyed by its window's aligned start ({@link WindowSize#windowStart} of the row's start), so a first
     * window that OpenMeter clips to {@code from} keys the same as an unclipped one. Read-only; retried like every
     * call.
     *
     * @throws ApiProblem when OpenMeter refuses (404: no such meter), answers something unreadable (a row without a
     *                    window start), or stays unreachable (status 0)
     */
    public WindowedMeterUsage queryMeterBySubjectAndWindow(
            String meterKey, Instant from, Instant to, WindowSize windowSize) {
        String operation =
                "query meter " + meterKey + " per " + windowSize.name().toLowerCase(java.util.Locale.ROOT);
        List<WindowedMeterUsage.Row> rows = new ArrayList<>();
        if (dialect() == Dialect.V1) {
            JsonNode body = decimals(
                    operation,
                    send(
                            operation,
                            "GET",
                            OpenMeterUrl.METERS + "/" + enc(meterKey) + "/query",
                            query(
                                    "from",
                                    from.toString(),
                                    "to",
                                    to.toString(),
                                    "windowSize",
                                    windowSize.v1(),
                                    "windowTimeZone",
                                    "UTC",
                                    "groupBy",
                                    "subject"),
                            null));
            for (JsonNode row : body.path("data")) {
                JsonNode subject = row.get("subject");
                rows.add(new WindowedMeterUsage.Row(
                        subject == null || subject.isNull() ? "" : subject.asText(),
                        windowSize.windowStart(time(operation, row, "windowStart")),
                        value(operation, row)));
            }
        } else {
            String id = v3MeterId(meterKey);
            ObjectNode request = JSON.createObjectNode()
                    .put("from", from.toString())
                    .put("to", to.toString())
                    .put("granularity", windowSize.v3())
                    .put("time_zone", "UTC");
            request.putArray("group_by_dimensions").add("subject");
            JsonNode body = decimals(
                    operation,
                    send(operation, "POST", OpenMeterUrl.METERS + "/" + enc(id) + "/query", Map.of(), request));
            for (JsonNode row : body.path("data")) {
                rows.add(new WindowedMeterUsage.Row(
                        row.path("dimensions").path("subject").asText(""),
                        windowSize.windowStart(time(operation, row, "from")),
                        value(operation, row)));
            }
        }
        return new WindowedMeterUsage(meterKey, from, to, windowSize, rows);
    }

    /**
     * Lists the events OpenMeter stored for one subject whose time lies in {@code [from, to)}, to tell what it
     * counted: duplicates of an id, copies of a ticket under another id, events we never sent. Read-only; bounded.
     * <ul>
     *   <li>v1: {@code GET {root}/events?subject=…&from=…&to=…&limit=100} (spec {@code listEvents}: {@code to}
     *       inclusive, so {@code to − 1 ms} is sent; {@code subject} matches partially, so other subjects are dropped
     *       here). That endpoint has no cursor: a full page of 100 is discarded and the period listed again as two
     *       halves split on whole seconds, recursively, while {@code maxPages} covers every half still to list; a full
     *       page that cannot be split (one second) or listed within the budget is kept and reported
     *       {@linkplain IngestedEvents#truncated() truncated}</li>
     *   <li>v3 / Konnect: {@code GET {root}/events?filter[subject][eq]=…&filter[time][gte]=…&filter[time][lt]=…
     *       &page[size]=100} (spec {@code list-metering-events}), following {@code meta.page.next}'s
     *       {@code page[after]} cursor for at most {@code maxPages} pages</li>
     * </ul>
     * Event times are compared truncated to the second (OpenMeter stores seconds).
     *
     * @param subject  CloudEvent subject (customer key)
     * @param from     start, inclusive
     * @param to       end, exclusive
     * @param maxPages most requests to make, ≥ 1
     * @throws ApiProblem when OpenMeter refuses, answers something unreadable, or stays unreachable (status 0)
     */
    public IngestedEvents listEvents(String subject, Instant from, Instant to, int maxPages) {
        if (maxPages < 1) {
            throw new IllegalArgumentException("maxPages must be at least 1, got " + maxPages);
        }
        String operation = "list events of " + subject;
        List<JsonNode> events = new ArrayList<>();
        int pages = 0;
        boolean truncated;
        if (dialect() == Dialect.V1) {
            // No cursor: a full page is split in two halves on whole seconds and each half listed instead, while
            // the request budget covers every half still to list; what cannot be split or listed is truncated.
            Deque<Instant[]> spans = new ArrayDeque<>();
            spans.push(new Instant[] {from, to});
            truncated = false;
            while (!spans.isEmpty()) {
                Instant[] span = spans.pop();
                pages++;
                JsonNode body = listing(
                        operation,
                        send(
                                operation,
                                "GET",
                                OpenMeterUrl.EVENTS,
                                query(
                                        "subject",
                                        subject,
                                        "from",
                                        span[0].toString(),
                                        "to",
                                        span[1].minusMillis(1).toString(),
                                        "limit",
                                        String.valueOf(LIST_PAGE_SIZE)),
                                null));
                if (!body.isArray()) {
                    throw new ApiProblem(operation, 200, null, "answer is not an array of events", List.of());
                }
                boolean full = body.size() >= LIST_PAGE_SIZE;
                Instant middle = span[0].plus(Duration.between(span[0], span[1]).dividedBy(2))
                        .truncatedTo(ChronoUnit.SECONDS);
                if (full && middle.isAfter(span[0]) && pages + spans.size() + 2 <= maxPages) {
                    spans.push(new Instant[] {middle, span[1]});
                    spans.push(new Instant[] {span[0], middle});
                    continue;
                }
                body.forEach(e -> keep(events, e.path("event"), subject, span[0], span[1]));
                truncated |= full;
            }
        } else {
            String after = null;
            while (true) {
                pages++;
                JsonNode body = listing(
                        operation,
                        send(
                                operation,
                                "GET",
                                OpenMeterUrl.EVENTS,
                                query(
                                        "filter[subject][eq]",
                                        subject,
                                        "filter[time][gte]",
                                        from.toString(),
                                        "filter[time][lt]",
                                        to.toString(),
                                        "page[size]",
                                        String.valueOf(LIST_PAGE_SIZE),
                                        "page[after]",
                                        after),
                                null));
                if (!body.path("data").isArray()) {
                    throw new ApiProblem(operation, 200, null, "answer has no data array", List.of());
                }
                body.path("data").forEach(e -> keep(events, e.path("event"), subject, from, to));
                JsonNode next = body.path("meta").path("page").path("next");
                after = next.isTextual() ? cursorAfter(next.asText()) : null;
                boolean more = next.isTextual() && !next.asText().isEmpty();
                if (!more) {
                    truncated = false;
                    break;
                }
                if (after == null || pages >= maxPages) {
                    truncated = true; // a next page we cannot or may not follow
                    break;
                }
            }
        }
        return new IngestedEvents(events, truncated, pages);
    }

    /** Page size of the events listing: the most both dialects return per request. */
    public static final int LIST_PAGE_SIZE = 100;

    private static void keep(List<JsonNode> events, JsonNode event, String subject, Instant from, Instant to) {
        if (!event.isObject() || !subject.equals(event.path("subject").asText(null))) {
            return;
        }
        try {
            Instant time = java.time.OffsetDateTime.parse(event.path("time").asText())
                    .toInstant()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            if (!time.isBefore(from) && time.isBefore(to)) {
                events.add(event);
            }
        } catch (java.time.DateTimeException e) {
            // an event without a readable time cannot be placed in the period: not listed
        }
    }

    /** The {@code page[after]} value of a v3 {@code meta.page.next} URI, or null. */
    static String cursorAfter(String next) {
        int q = next.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : next.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                String name = java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                if (name.equals("page[after]")) {
                    return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    private static JsonNode listing(String operation, OpenMeterResponse response) {
        if (!response.ok()) {
            throw response.problem(operation);
        }
        try {
            JsonNode body = DECIMALS.readTree(response.body());
            if (body == null) {
                throw new ApiProblem(operation, response.status(), null, "answer is empty", List.of());
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new ApiProblem(operation, response.status(), null, "answer is not JSON", List.of());
        }
    }

    private static Instant time(String operation, JsonNode row, String field) {
        try {
            return java.time.OffsetDateTime.parse(row.path(field).asText()).toInstant();
        } catch (java.time.DateTimeException e) {
            throw new ApiProblem(
                    operation, 200, null, "row " + field + " is not a date-time: " + row.get(field), List.of());
        }
    }

    /** The ULID of the live v3 meter with this key. */
    private String v3MeterId(String meterKey) {
        String operation = "find meter " + meterKey;
        JsonNode body = expect(
                operation,
                "GET",
                OpenMeterUrl.METERS,
                query("filter[key]", meterKey, "page[size]", "100", "page[number]", "1"),
                null);
        for (JsonNode meter : body == null ? JSON.createArrayNode() : body.path("data")) {
            if (meterKey.equals(meter.path("key").asText()) && !meter.hasNonNull("deleted_at")) {
                return meter.path("id").asText();
            }
        }
        throw new ApiProblem(operation, 404, "Not Found", "no meter with key " + meterKey, List.of());
    }

    private static JsonNode decimals(String operation, OpenMeterResponse response) {
        if (!response.ok()) {
            throw response.problem(operation);
        }
        try {
            JsonNode body = DECIMALS.readTree(response.body());
            if (body == null || !body.path("data").isArray()) {
                throw new ApiProblem(operation, response.status(), null, "answer has no data array", List.of());
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new ApiProblem(operation, response.status(), null, "answer is not JSON", List.of());
        }
    }

    private static BigDecimal value(String operation, JsonNode row) {
        JsonNode value = row.get("value");
        try {
            if (value != null && value.isNumber()) {
                return value.decimalValue();
            }
            if (value != null && value.isTextual()) {
                return new BigDecimal(value.asText().trim());
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ApiProblem(operation, 200, null, "row value is not a number: " + value, List.of());
    }

    /** Query parameters in order; pairs whose value is null are left out. */
    public static Map<String, String> query(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put(pairs[i], pairs[i + 1]);
            }
        }
        return map;
    }

    private HttpRequest.Builder request(String uri) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(uri)).timeout(timeout).header("Accept", ACCEPT);
        token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        return builder;
    }

    private OpenMeterResponse execute(String operation, HttpRequest request, AtomicInteger counter) throws IOException {
        try {
            Transport.Reply reply = Failsafe.with(retries.policy(
                            clock,
                            e -> progress.accept("  retrying "
                                    + operation + " (attempt " + (e.getAttemptCount() + 1) + "): "
                                    + (e.getLastException() != null
                                            ? describe(e.getLastException())
                                            : "HTTP " + e.getLastResult().status()))))
                    .get(() -> {
                        counter.incrementAndGet();
                        return transport.send(request);
                    });
            return new OpenMeterResponse(reply.status(), Retries.retryAfter(reply, clock), reply.body());
        } catch (FailsafeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while calling OpenMeter");
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(describe(cause), cause);
        }
    }

    private static String describe(Throwable t) {
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    private static String write(JsonNode body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
