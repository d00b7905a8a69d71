package io.livepeer.clearinghouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A local HTTP server standing in for OpenMeter's event ingest, in both dialects:
 * <ul>
 *   <li>v1 self-hosted: {@code POST /api/v1/events} → 204</li>
 *   <li>v3: {@code POST /api/v3/openmeter/events} (self-hosted) and {@code POST /v3/openmeter/events} (Konnect) → 202</li>
 * </ul>
 * Every request is checked against the matching OpenAPI spec when {@code ../shared/contracts} is present, and the
 * v1 Content-Type is compared exactly as OpenMeter does ({@code ; charset=…} → 400). Responses can be scripted
 * (503, 429 with Retry-After, …), events can be marked bad (400 problem+json naming them), and batches above a
 * size can be refused with 413. Like OpenMeter self-hosted by default, it does <b>not</b> deduplicate: tests see
 * every event it accepted.
 *
 * <p><b>Meter queries</b> (for reconciliation), computed from the events it accepted, for the meters
 * {@linkplain #defineMeter defined} on it (e.g. {@link #defineReferenceMeters()}):
 * <ul>
 *   <li>v1: {@code GET /api/v1/meters/{slug}/query?from&to&groupBy=subject} → {@code {from, to, data: [{subject,
 *       value: number, windowStart, windowEnd, groupBy}]}}; the value is rendered as a float64, as OpenMeter
 *       aggregates</li>
 *   <li>v3: {@code GET …/openmeter/meters?filter[key]=…} (the meter with its ULID) and
 *       {@code POST …/openmeter/meters/{id}/query} with {@code {from, to, group_by_dimensions}} →
 *       {@code {from, to, data: [{from, to, dimensions: {subject}, value: "decimal"}]}}</li>
 * </ul>
 * An event counts when its {@code type} is the meter's event type and its {@code time}, truncated to the second
 * (OpenMeter stores seconds), lies in {@code [from, to)}. Requests and answers are both checked against the specs.
 * Switches simulate a billing system that disagrees: {@link #loseUsageOf} (accepted but never counted: missing
 * usage) and {@link #doubleUsageOf} (counted twice). Usage that was never delivered (extra) is simply ingested.
 */
public final class FakeOpenMeter implements AutoCloseable {

    /** Floats read as exact decimals, so meter sums are exact (the v1 answer renders them as float64). */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static final List<String> CONTENT_TYPES =
            List.of("application/cloudevents+json", "application/cloudevents-batch+json", "application/json");

    /** A received request. */
    public record Received(String method, String path, Map<String, List<String>> headers, String body, int status) {
        /** First value of a header (case-insensitive), if any. */
        public Optional<String> header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream())
                    .findFirst();
        }
    }

    /** A scripted response. */
    public record Scripted(int status, Map<String, String> headers, String body) {}

    private final HttpServer server;
    private final Deque<Scripted> script = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private final List<JsonNode> accepted = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private Predicate<JsonNode> badEvent = e -> false;
    private String badEventDetail = "event is invalid";
    private int maxBatch = Integer.MAX_VALUE;
    private String requiredToken;
    private final Map<String, Integer> idCounts = new LinkedHashMap<>();
    private boolean retainEvents = true;
    private boolean checkContract = true;
    private int refuseAllStatus;
    private String refuseAllDetail;
    private Predicate<JsonNode> poisonEvent = e -> false;
    private int poisonStatus;
    private final Map<String, MeterDef> meters = new LinkedHashMap<>();
    private Predicate<JsonNode> lostUsage = e -> false;
    private Predicate<JsonNode> doubledUsage = e -> false;
    private int meterIds;

    /** A meter the fake can be queried for; {@code valueProperty} is {@code $.field} or null for COUNT. */
    private record MeterDef(String key, String id, String eventType, String aggregation, String valueProperty) {}

    private FakeOpenMeter(HttpServer server) {
        this.server = server;
    }

    /** Starts on a free loopback port. */
    public static FakeOpenMeter start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            FakeOpenMeter fake = new FakeOpenMeter(server);
            server.createContext("/", fake::handle);
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("fake OpenMeter did not start", e);
        }
    }

    /** Base URL of self-hosted v1 ({@code OPENMETER_URL} form). */
    public String v1BaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Base URL in the Konnect form, ending in {@code /v3/openmeter}. */
    public String konnectBaseUrl() {
        return v1BaseUrl() + "/v3/openmeter";
    }

    /** Base URL of self-hosted v3, ending in {@code /api/v3/openmeter}. */
    public String v3BaseUrl() {
        return v1BaseUrl() + "/api/v3/openmeter";
    }

    /** The next requests get these responses, in order, before normal processing resumes. */
    public synchronized FakeOpenMeter thenRespond(int status, Map<String, String> headers, String body) {
        script.add(new Scripted(status, headers, body));
        return this;
    }

    /** The next {@code times} requests get this status with an empty problem body. */
    public synchronized FakeOpenMeter failNext(int times, int status) {
        for (int i = 0; i < times; i++) {
            thenRespond(
                    status,
                    Map.of("Content-Type", "application/problem+json"),
                    "{\"type\":\"about:blank\",\"title\":\"Unavailable\",\"status\":" + status
                            + ",\"detail\":\"scripted failure\",\"instance\":\"urn:request:fake\"}");
        }
        return this;
    }

    /** A batch holding an event that matches gets a 400 problem+json naming it; nothing of that batch is kept. */
    public synchronized FakeOpenMeter rejectEvents(Predicate<JsonNode> bad, String detail) {
        this.badEvent = bad;
        this.badEventDetail = detail;
        return this;
    }

    /**
     * Every ingest request gets this status with a problem body naming {@code detail} (a proxy, a content-type or URL
     * change, a revoked token: a systemic failure), until {@link #acceptAgain()}. Nothing of those requests is kept.
     */
    public synchronized FakeOpenMeter refuseEverything(int status, String detail) {
        this.refuseAllStatus = status;
        this.refuseAllDetail = detail;
        return this;
    }

    /** Ends {@link #refuseEverything} and {@link #failBatchesContaining}: requests are processed normally again. */
    public synchronized FakeOpenMeter acceptAgain() {
        this.refuseAllStatus = 0;
        this.poisonStatus = 0;
        this.poisonEvent = e -> false;
        return this;
    }

    /**
     * A batch holding an event that matches gets {@code status} (e.g. a 500 that one event causes on the server);
     * nothing of that batch is kept. Until {@link #acceptAgain()}.
     */
    public synchronized FakeOpenMeter failBatchesContaining(Predicate<JsonNode> poison, int status) {
        this.poisonEvent = poison;
        this.poisonStatus = status;
        return this;
    }

    /** Batches larger than this get 413. */
    public synchronized FakeOpenMeter maxBatch(int events) {
        this.maxBatch = events;
        return this;
    }

    /** Requests without {@code Authorization: Bearer <token>} get 401. */
    public synchronized FakeOpenMeter requireToken(String token) {
        this.requiredToken = token;
        return this;
    }

    /**
     * For long runs (tens of thousands of events): keep only how often each event id was accepted, not the requests
     * and events themselves, and skip the OpenAPI check (it costs more than the application under test). Reads:
     * {@link #acceptedIdCounts()}, {@link #acceptedTotal()}.
     */
    public synchronized FakeOpenMeter countOnly() {
        this.retainEvents = false;
        this.checkContract = false;
        return this;
    }

    /**
     * Defines a meter that queries can be answered for.
     *
     * @param key           meter key (v1 slug)
     * @param eventType     CloudEvent type it counts
     * @param aggregation   {@code SUM} or {@code COUNT}
     * @param valueProperty {@code $.field} of the event data summed, null for COUNT
     */
    public synchronized FakeOpenMeter defineMeter(
            String key, String eventType, String aggregation, String valueProperty) {
        String agg = aggregation.toUpperCase(Locale.ROOT);
        if (!agg.equals("SUM") && !agg.equals("COUNT")) {
            throw new IllegalArgumentException("the fake meters SUM and COUNT only, got " + aggregation);
        }
        meterIds++;
        // a ULID: 26 Crockford base-32 characters, first one 0-7
        String id = String.format("01JFAKEMETER%014d", meterIds);
        meters.put(key, new MeterDef(key, id, eventType, agg, valueProperty));
        return this;
    }

    /**
     * The reference catalog's meters on {@code create_signed_ticket}: {@code signed_ticket_count} (COUNT),
     * {@code network_fee_usd_micros} and {@code billable_usd_micros} (SUM of the same-named data fields).
     */
    public FakeOpenMeter defineReferenceMeters() {
        defineMeter("signed_ticket_count", "create_signed_ticket", "COUNT", null);
        defineMeter("network_fee_usd_micros", "create_signed_ticket", "SUM", "$.network_fee_usd_micros");
        return defineMeter("billable_usd_micros", "create_signed_ticket", "SUM", "$.billable_usd_micros");
    }

    /** Events that match are accepted (2xx, kept) but never counted by meter queries: usage OpenMeter lost. */
    public synchronized FakeOpenMeter loseUsageOf(Predicate<JsonNode> events) {
        this.lostUsage = events;
        return this;
    }

    /** Events that match are counted twice by meter queries: usage OpenMeter double-counted. */
    public synchronized FakeOpenMeter doubleUsageOf(Predicate<JsonNode> events) {
        this.doubledUsage = events;
        return this;
    }

    /** How many events 2xx requests carried, duplicates included. */
    public synchronized long acceptedTotal() {
        return idCounts.values().stream().mapToLong(Integer::longValue).sum();
    }

    /** How many distinct event ids were accepted. */
    public synchronized int acceptedDistinct() {
        return idCounts.size();
    }

    /** All requests so far. */
    public synchronized List<Received> requests() {
        return List.copyOf(received);
    }

    /** Events of every 2xx request, in arrival order (duplicates included). */
    public synchronized List<JsonNode> acceptedEvents() {
        return List.copyOf(accepted);
    }

    /** Accepted event ids with how often each was accepted. */
    public synchronized Map<String, Integer> acceptedIdCounts() {
        return new LinkedHashMap<>(idCounts);
    }

    /** Contract violations seen (empty when every request conformed or the specs are absent). */
    public synchronized List<String> contractViolations() {
        return List.copyOf(violations);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String rawQuery = exchange.getRequestURI().getRawQuery();
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String path = exchange.getRequestURI().getPath();
            Map<String, List<String>> headers = new LinkedHashMap<>(exchange.getRequestHeaders());
            Scripted response;
            // one lock for the answer and its record: a test that saw an event accepted also sees its request
            synchronized (this) {
                response = path.contains("/meters")
                        ? meterApi(exchange.getRequestMethod(), path, rawQuery, headers, body)
                        : exchange.getRequestMethod().equals("GET") && path.endsWith("/events")
                                ? eventsApi(path, rawQuery, headers)
                                : respond(exchange.getRequestMethod(), path, headers, body);
                if (retainEvents) {
                    received.add(new Received(exchange.getRequestMethod(), path, headers, body, response.status()));
                }
            }
            byte[] bytes =
                    response.body() == null ? new byte[0] : response.body().getBytes(StandardCharsets.UTF_8);
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            boolean noBody = bytes.length == 0;
            exchange.sendResponseHeaders(response.status(), noBody ? -1 : bytes.length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    private synchronized Scripted respond(String method, String path, Map<String, List<String>> headers, String body) {
        boolean v1 = path.equals("/api/v1/events");
        boolean v3 = path.equals("/v3/openmeter/events") || path.equals("/api/v3/openmeter/events");
        if (!method.equals("POST") || !(v1 || v3)) {
            return problem(404, v1, "no route for " + method + " " + path);
        }
        String contentType = headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Content-Type"))
                .flatMap(e -> e.getValue().stream())
                .findFirst()
                .orElse("");
        Optional<OpenApiContract> contract = checkContract
                ? OpenApiContract.load(v1 ? OpenApiContract.Spec.V1 : OpenApiContract.Spec.V3)
                : Optional.empty();
        contract.ifPresent(
                spec -> violations.addAll(spec.validate(method, v1 ? path : "/openmeter/events", null, headers, body)));
        if (v1 && !CONTENT_TYPES.contains(contentType)) {
            violations.add("v1 compares Content-Type exactly; got '" + contentType + "'");
            return problem(400, true, "invalid content type: " + contentType);
        }
        if (requiredToken != null && !("Bearer " + requiredToken).equals(header(headers, "Authorization"))) {
            return problem(401, v1, "missing or wrong bearer token");
        }
        if (!script.isEmpty()) {
            return script.poll();
        }
        if (refuseAllStatus != 0) {
            return problem(refuseAllStatus, v1, refuseAllDetail);
        }
        List<JsonNode> events = new ArrayList<>();
        try {
            JsonNode root = JSON.readTree(body);
            if (root.isArray()) {
                root.forEach(events::add);
            } else {
                events.add(root);
            }
        } catch (IOException e) {
            return problem(400, v1, "body is not JSON");
        }
        if (events.size() > maxBatch) {
            return problem(413, v1, "too many events in one request: " + events.size());
        }
        for (JsonNode event : events) {
            if (poisonStatus != 0 && poisonEvent.test(event)) {
                return problem(poisonStatus, v1, "internal error while storing a batch");
            }
            if (badEvent.test(event)) {
                return problem(
                        400, v1, badEventDetail + " (event " + event.path("id").asText() + ")");
            }
        }
        if (retainEvents) {
            accepted.addAll(events);
        }
        events.forEach(e -> idCounts.merge(e.path("id").asText(), 1, Integer::sum));
        return new Scripted(v1 ? 204 : 202, Map.of(), null);
    }

    // ---- meter queries --------------------------------------------------------------------------------------------

    private synchronized Scripted meterApi(
            String method, String path, String rawQuery, Map<String, List<String>> headers, String body) {
        boolean v1 = path.startsWith("/api/v1/");
        String specPath = v1 ? path : path.replaceFirst("^(/api)?/v3", "");
        Optional<OpenApiContract> contract = checkContract
                ? OpenApiContract.load(v1 ? OpenApiContract.Spec.V1 : OpenApiContract.Spec.V3)
                : Optional.empty();
        contract.ifPresent(spec -> violations.addAll(spec.validate(method, specPath, rawQuery, headers, body)));
        if (requiredToken != null && !("Bearer " + requiredToken).equals(header(headers, "Authorization"))) {
            return problem(401, v1, "missing or wrong bearer token");
        }
        if (!script.isEmpty()) {
            return script.poll();
        }
        Scripted answer;
        try {
            answer = meterAnswer(method, specPath, v1, query(rawQuery), body);
        } catch (IllegalArgumentException e) {
            answer = problem(400, v1, e.getMessage());
        }
        if (answer.status() == 200) {
            String answered = answer.body();
            contract.ifPresent(spec ->
                    violations.addAll(spec.validateResponse(method, specPath, 200, "application/json", answered)));
        }
        return answer;
    }

    private Scripted meterAnswer(
            String method, String specPath, boolean v1, Map<String, List<String>> query, String body)
            throws IllegalArgumentException {
        String[] parts = specPath.split("/");
        if (v1 && method.equals("GET") && parts.length == 6 && parts[5].equals("query")) {
            // /api/v1/meters/{slug}/query
            MeterDef meter = meters.get(parts[4]);
            if (meter == null) {
                return problem(404, true, "meter not found: " + parts[4]);
            }
            Instant from = instant(first(query, "from"), Instant.EPOCH);
            Instant to = instant(first(query, "to"), Instant.now().truncatedTo(ChronoUnit.SECONDS));
            boolean bySubject = query.getOrDefault("groupBy", List.of()).contains("subject");
            String windowSize = first(query, "windowSize");
            if (windowSize != null) {
                return windowedV1(meter, from, to, bySubject, windowSize, first(query, "windowTimeZone"));
            }
            ObjectNode result =
                    JSON.createObjectNode().put("from", from.toString()).put("to", to.toString());
            ArrayNode data = result.putArray("data");
            aggregate(meter, from, to, bySubject).forEach((subject, value) -> {
                ObjectNode row = data.addObject();
                if (bySubject) {
                    row.put("subject", subject);
                } else {
                    row.putNull("subject");
                }
                row.put("value", value.doubleValue()); // OpenMeter aggregates in float64
                row.put("windowStart", from.toString()).put("windowEnd", to.toString());
                row.putObject("groupBy");
            });
            return json(result);
        }
        if (!v1 && method.equals("GET") && specPath.equals("/openmeter/meters")) {
            String key = first(query, "filter[key]");
            ObjectNode result = JSON.createObjectNode();
            ArrayNode data = result.putArray("data");
            for (MeterDef meter : meters.values()) {
                if (key == null || key.equals(meter.key())) {
                    ObjectNode m = data.addObject()
                            .put("id", meter.id())
                            .put("key", meter.key())
                            .put("name", meter.key())
                            .put("event_type", meter.eventType())
                            .put("aggregation", meter.aggregation().toLowerCase(Locale.ROOT))
                            .put("created_at", "2026-01-01T00:00:00Z")
                            .put("updated_at", "2026-01-01T00:00:00Z");
                    if (meter.valueProperty() != null) {
                        m.put("value_property", meter.valueProperty());
                    }
                    m.putObject("dimensions");
                }
            }
            result.putObject("meta")
                    .putObject("page")
                    .put("number", 1)
                    .put("size", 100)
                    .put("total", data.size());
            return json(result);
        }
        if (!v1 && method.equals("POST") && parts.length == 5 && parts[4].equals("query")) {
            // /openmeter/meters/{id}/query
            MeterDef meter = meters.values().stream()
                    .filter(m -> m.id().equals(parts[3]))
                    .findFirst()
                    .orElse(null);
            if (meter == null) {
                return problem(404, false, "meter not found: " + parts[3]);
            }
            JsonNode request;
            try {
                request = JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalArgumentException("body is not JSON");
            }
            Instant from = instant(request.path("from").asText(null), Instant.EPOCH);
            Instant to = instant(request.path("to").asText(null), Instant.now().truncatedTo(ChronoUnit.SECONDS));
            boolean bySubject = false;
            for (JsonNode d : request.path("group_by_dimensions")) {
                bySubject |= d.asText().equals("subject");
            }
            ObjectNode result =
                    JSON.createObjectNode().put("from", from.toString()).put("to", to.toString());
            ArrayNode data = result.putArray("data");
            boolean grouped = bySubject;
            if (request.hasNonNull("granularity")) {
                return windowedV3(
                        meter,
                        from,
                        to,
                        grouped,
                        request.path("granularity").asText(),
                        request.path("time_zone").asText("UTC"));
            }
            aggregate(meter, from, to, bySubject).forEach((subject, value) -> {
                ObjectNode row = data.addObject().put("from", from.toString()).put("to", to.toString());
                ObjectNode dimensions = row.putObject("dimensions");
                if (grouped) {
                    dimensions.put("subject", subject);
                }
                BigDecimal plain = value.stripTrailingZeros();
                row.put("value", (plain.scale() < 0 ? plain.setScale(0) : plain).toPlainString());
            });
            return json(result);
        }
        return problem(404, v1, "no route for " + method + " " + specPath);
    }

    /** Window lengths in seconds by v1 {@code windowSize} and v3 {@code granularity}; UTC only. */
    private static final Map<String, Long> WINDOW_SECONDS =
            Map.of("MINUTE", 60L, "HOUR", 3_600L, "DAY", 86_400L, "PT1M", 60L, "PT1H", 3_600L, "P1D", 86_400L);

    private static long windowSeconds(String size, String timeZone) {
        Long seconds = WINDOW_SECONDS.get(size);
        if (seconds == null) {
            throw new IllegalArgumentException("the fake aggregates MINUTE/HOUR/DAY windows only, got " + size);
        }
        if (timeZone != null && !timeZone.equals("UTC")) {
            throw new IllegalArgumentException("the fake aggregates in UTC only, got " + timeZone);
        }
        return seconds;
    }

    private Scripted windowedV1(
            MeterDef meter, Instant from, Instant to, boolean bySubject, String size, String timeZone) {
        long seconds = windowSeconds(size, timeZone);
        ObjectNode result = JSON.createObjectNode()
                .put("from", from.toString())
                .put("to", to.toString())
                .put("windowSize", size);
        ArrayNode data = result.putArray("data");
        aggregateWindows(meter, from, to, bySubject, seconds).forEach((key, value) -> {
            ObjectNode row = data.addObject();
            if (bySubject) {
                row.put("subject", key.subject());
            } else {
                row.putNull("subject");
            }
            row.put("value", value.doubleValue()); // OpenMeter aggregates in float64
            row.put("windowStart", key.start().toString())
                    .put("windowEnd", key.start().plusSeconds(seconds).toString());
            row.putObject("groupBy");
        });
        return json(result);
    }

    private Scripted windowedV3(
            MeterDef meter, Instant from, Instant to, boolean bySubject, String granularity, String timeZone) {
        long seconds = windowSeconds(granularity, timeZone);
        ObjectNode result = JSON.createObjectNode().put("from", from.toString()).put("to", to.toString());
        ArrayNode data = result.putArray("data");
        aggregateWindows(meter, from, to, bySubject, seconds).forEach((key, value) -> {
            ObjectNode row = data.addObject()
                    .put("from", key.start().toString())
                    .put("to", key.start().plusSeconds(seconds).toString());
            ObjectNode dimensions = row.putObject("dimensions");
            if (bySubject) {
                dimensions.put("subject", key.subject());
            }
            BigDecimal plain = value.stripTrailingZeros();
            row.put("value", (plain.scale() < 0 ? plain.setScale(0) : plain).toPlainString());
        });
        return json(result);
    }

    /** A subject's window (aligned start). */
    private record WindowKey(String subject, Instant start) implements Comparable<WindowKey> {
        @Override
        public int compareTo(WindowKey o) {
            int c = subject.compareTo(o.subject);
            return c != 0 ? c : start.compareTo(o.start);
        }
    }

    /** Per subject and window aligned to {@code seconds} since the epoch (UTC), windows without usage left out. */
    private Map<WindowKey, BigDecimal> aggregateWindows(
            MeterDef meter, Instant from, Instant to, boolean bySubject, long seconds) {
        Map<WindowKey, BigDecimal> totals = new TreeMap<>();
        for (JsonNode event : accepted) {
            if (!meter.eventType().equals(event.path("type").asText())) {
                continue;
            }
            Instant time = OffsetDateTime.parse(event.path("time").asText())
                    .toInstant()
                    .truncatedTo(ChronoUnit.SECONDS);
            if (time.isBefore(from) || !time.isBefore(to)) {
                continue;
            }
            int times = lostUsage.test(event) ? 0 : doubledUsage.test(event) ? 2 : 1;
            if (times == 0) {
                continue;
            }
            BigDecimal value = BigDecimal.ONE;
            if (meter.aggregation().equals("SUM")) {
                JsonNode v = event.path("data").path(meter.valueProperty().substring(2));
                value = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText("0"));
            }
            Instant start = Instant.ofEpochSecond(Math.floorDiv(time.getEpochSecond(), seconds) * seconds);
            totals.merge(
                    new WindowKey(bySubject ? event.path("subject").asText() : "", start),
                    value.multiply(BigDecimal.valueOf(times)),
                    BigDecimal::add);
        }
        return totals;
    }

    // ---- events listing (v1 GET /api/v1/events, v3 GET …/openmeter/events) ----------------------------------------

    private int listPageSize = 100;

    private int refuseListingStatus;

    /** Events listing requests get this status with a problem body (e.g. 403: a token without the role), 0 ends it. */
    public synchronized FakeOpenMeter refuseEventListing(int status) {
        this.refuseListingStatus = status;
        return this;
    }

    /** Page size of the v3 events listing (default 100, the most the specs allow), to exercise paging. */
    public synchronized FakeOpenMeter listPageSize(int size) {
        this.listPageSize = size;
        return this;
    }

    /** Events listing requests so far (either dialect). */
    public synchronized long listRequests() {
        return received.stream()
                .filter(r -> r.method().equals("GET") && r.path().endsWith("/events"))
                .count();
    }

    /**
     * The stored events, duplicates included (this fake does not deduplicate), newest last: v1 filters {@code subject}
     * (partial, as OpenMeter does), {@code from}/{@code to} (inclusive, by time truncated to the second) and
     * {@code limit} (≤ 100, no paging); v3 {@code filter[subject][eq]}, {@code filter[time][gte|lt]} and cursor pages
     * ({@code page[size]}, {@code page[after]} = the index of the next event, {@code meta.page.next}).
     */
    private synchronized Scripted eventsApi(String path, String rawQuery, Map<String, List<String>> headers) {
        boolean v1 = path.equals("/api/v1/events");
        boolean v3 = path.equals("/v3/openmeter/events") || path.equals("/api/v3/openmeter/events");
        if (!v1 && !v3) {
            return problem(404, v1, "no route for GET " + path);
        }
        String specPath = v1 ? path : "/openmeter/events";
        Optional<OpenApiContract> contract = checkContract
                ? OpenApiContract.load(v1 ? OpenApiContract.Spec.V1 : OpenApiContract.Spec.V3)
                : Optional.empty();
        String checked = v1 ? rawQuery : nestedFiltersChecked(rawQuery);
        contract.ifPresent(spec -> violations.addAll(spec.validate("GET", specPath, checked, headers, null)));
        if (requiredToken != null && !("Bearer " + requiredToken).equals(header(headers, "Authorization"))) {
            return problem(401, v1, "missing or wrong bearer token");
        }
        if (!script.isEmpty()) {
            return script.poll();
        }
        if (refuseListingStatus != 0) {
            return problem(refuseListingStatus, v1, "listing events is not allowed");
        }
        Map<String, List<String>> query = query(rawQuery);
        Scripted answer;
        try {
            answer = v1 ? listV1(query) : listV3(query, path);
        } catch (IllegalArgumentException e) {
            answer = problem(400, v1, e.getMessage());
        }
        if (answer.status() == 200) {
            String answered = answer.body();
            contract.ifPresent(spec ->
                    violations.addAll(spec.validateResponse("GET", specPath, 200, "application/json", answered)));
        }
        return answer;
    }

    /** {@code ListEventsParamsFilter}'s fields and the operators of their filter objects, as in the v3 spec. */
    private static final Map<String, List<String>> V3_EVENT_FILTERS = Map.of(
            "id", List.of("eq", "neq", "contains", "ocontains", "oeq", "gt", "gte", "lt", "lte", "exists"),
            "source", List.of("eq", "neq", "contains", "ocontains", "oeq", "gt", "gte", "lt", "lte", "exists"),
            "subject", List.of("eq", "neq", "contains", "ocontains", "oeq", "gt", "gte", "lt", "lte", "exists"),
            "type", List.of("eq", "neq", "contains", "ocontains", "oeq", "gt", "gte", "lt", "lte", "exists"),
            "customer_id", List.of("eq", "neq", "oeq", "exists"),
            "time", List.of("eq", "lt", "lte", "gt", "gte"),
            "ingested_at", List.of("eq", "lt", "lte", "gt", "gte"),
            "stored_at", List.of("eq", "lt", "lte", "gt", "gte"));

    /**
     * The v3 listing's nested filters ({@code filter[subject][eq]=…}, the form the spec's own description gives) are
     * checked here against {@code ListEventsParamsFilter}, because the OpenAPI validator reads deepObject one level
     * deep only; the rest of the query is left for the validator.
     */
    private String nestedFiltersChecked(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return rawQuery;
        }
        List<String> kept = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("filter\\[([a-z_]+)]\\[([a-z]+)]")
                    .matcher(name);
            if (m.matches()) {
                List<String> ops = V3_EVENT_FILTERS.get(m.group(1));
                if (ops == null || !ops.contains(m.group(2))) {
                    violations.add("V3 GET /openmeter/events: filter " + name + " is not in ListEventsParamsFilter");
                }
                if (m.group(1).equals("time") || m.group(1).endsWith("_at")) {
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    try {
                        OffsetDateTime.parse(value);
                    } catch (RuntimeException e) {
                        violations.add("V3 GET /openmeter/events: filter " + name + " is not a date-time: " + value);
                    }
                }
            } else {
                kept.add(pair);
            }
        }
        return String.join("&", kept);
    }

    private Scripted listV1(Map<String, List<String>> query) {
        String subject = first(query, "subject");
        Instant from = instant(first(query, "from"), Instant.EPOCH);
        Instant to = instant(first(query, "to"), Instant.MAX);
        int limit = first(query, "limit") == null ? 100 : Integer.parseInt(first(query, "limit"));
        ArrayNode result = JSON.createArrayNode();
        for (JsonNode event : accepted) {
            Instant time = secondOf(event);
            if ((subject == null || event.path("subject").asText().contains(subject))
                    && !time.isBefore(from.truncatedTo(ChronoUnit.SECONDS))
                    && !time.isAfter(to)
                    && result.size() < limit) {
                result.addObject()
                        .<ObjectNode>set("event", event)
                        .put("ingestedAt", time.toString())
                        .put("storedAt", time.toString());
            }
        }
        return json(result);
    }

    private Scripted listV3(Map<String, List<String>> query, String path) {
        String subject = first(query, "filter[subject][eq]");
        Instant from = instant(first(query, "filter[time][gte]"), Instant.EPOCH);
        Instant to = instant(first(query, "filter[time][lt]"), Instant.MAX);
        int size = Math.min(
                listPageSize,
                first(query, "page[size]") == null ? listPageSize : Integer.parseInt(first(query, "page[size]")));
        int after = first(query, "page[after]") == null ? 0 : Integer.parseInt(first(query, "page[after]"));
        List<JsonNode> matching = new ArrayList<>();
        for (JsonNode event : accepted) {
            Instant time = secondOf(event);
            if ((subject == null || event.path("subject").asText().equals(subject))
                    && !time.isBefore(from)
                    && time.isBefore(to)) {
                matching.add(event);
            }
        }
        ObjectNode result = JSON.createObjectNode();
        ArrayNode data = result.putArray("data");
        int end = Math.min(matching.size(), after + size);
        for (int i = after; i < end; i++) {
            Instant time = secondOf(matching.get(i));
            data.addObject()
                    .<ObjectNode>set("event", matching.get(i))
                    .put("ingested_at", time.toString())
                    .put("stored_at", time.toString());
        }
        ObjectNode page = result.putObject("meta").putObject("page").put("size", size);
        String base = path.startsWith("/api") ? "/api/v3/openmeter/events" : "/v3/openmeter/events";
        if (end < matching.size()) {
            page.put("next", base + "?page%5Bafter%5D=" + end + "&page%5Bsize%5D=" + size);
        } else {
            page.putNull("next");
        }
        page.putNull("previous");
        return json(result);
    }

    private static Instant secondOf(JsonNode event) {
        return OffsetDateTime.parse(event.path("time").asText()).toInstant().truncatedTo(ChronoUnit.SECONDS);
    }

    /** Per subject (or one total under {@code ""}), from the accepted events, in subject order. */
    private Map<String, BigDecimal> aggregate(MeterDef meter, Instant from, Instant to, boolean bySubject) {
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (JsonNode event : accepted) {
            if (!meter.eventType().equals(event.path("type").asText())) {
                continue;
            }
            Instant time = OffsetDateTime.parse(event.path("time").asText())
                    .toInstant()
                    .truncatedTo(ChronoUnit.SECONDS);
            if (time.isBefore(from) || !time.isBefore(to)) {
                continue;
            }
            int times = lostUsage.test(event) ? 0 : doubledUsage.test(event) ? 2 : 1;
            BigDecimal value = BigDecimal.ONE;
            if (meter.aggregation().equals("SUM")) {
                JsonNode v = event.path("data").path(meter.valueProperty().substring(2));
                value = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText("0"));
            }
            totals.merge(
                    bySubject ? event.path("subject").asText() : "",
                    value.multiply(BigDecimal.valueOf(times)),
                    BigDecimal::add);
        }
        return totals;
    }

    private static Scripted json(JsonNode body) {
        try {
            return new Scripted(200, Map.of("Content-Type", "application/json"), JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(String text, Instant fallback) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an RFC 3339 date-time: " + text);
        }
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return map;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            map.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return map;
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .flatMap(e -> e.getValue().stream())
                .findFirst()
                .orElse(null);
    }

    private static Scripted problem(int status, boolean v1, String detail) {
        String escaped = detail.replace("\\", "\\\\").replace("\"", "\\\"");
        String body = v1
                ? "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":" + status + ",\"detail\":\""
                        + escaped + "\",\"instance\":\"urn:request:fake\"}"
                : "{\"status\":" + status + ",\"title\":\"Bad Request\",\"type\":\"https://kongapi.info/konnect/"
                        + "bad-request\",\"instance\":\"kong:trace:fake\",\"detail\":\"" + escaped + "\","
                        + "\"invalid_parameters\":[{\"field\":\"data\",\"rule\":\"is_valid\",\"reason\":\""
                        + escaped + "\",\"source\":\"body\"}]}";
        return new Scripted(status, Map.of("Content-Type", "application/problem+json"), body);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
