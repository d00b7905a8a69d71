package io.livepeer.clearinghouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 */
public final class FakeOpenMeter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
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
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String path = exchange.getRequestURI().getPath();
            Map<String, List<String>> headers = new LinkedHashMap<>(exchange.getRequestHeaders());
            Scripted response;
            // one lock for the answer and its record: a test that saw an event accepted also sees its request
            synchronized (this) {
                response = respond(exchange.getRequestMethod(), path, headers, body);
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
