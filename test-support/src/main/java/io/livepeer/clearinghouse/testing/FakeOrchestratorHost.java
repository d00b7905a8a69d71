package io.livepeer.clearinghouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP server standing in for an orchestrator host of the livepeer-ops stack, with the orchestrator side's
 * payloads:
 *
 * <ul>
 *   <li>{@code GET /health}: the remote health service ({@code payments/remote_health_service.py},
 *       {@code payments/service_monitor.py}): {@code {timestamp, services: {name: {status, running,
 *       uptime_percentage, checks_count, health}}, monitored_count, summary: {overall_uptime, calculated_uptime,
 *       services_up, services_down, total_services, eligible_for_payment, min_uptime_required, missing_services,
 *       running_services, status_message}}}</li>
 *   <li>{@code GET /power}: {@code {"state": "awake"|"asleep"}}; {@code POST /power} with
 *       {@code {"action": "sleep"|"wake", "reason": ...}} changes the state and answers {@code {"ok": true, "state"}}
 *       (an unknown action: 400)</li>
 * </ul>
 * Failure modes per path: a scripted HTTP status ({@link #failWith}), a hang until the caller times out
 * ({@link #hang}), or a closed port ({@link #close}). Every request is recorded ({@link #requests()}).
 */
public final class FakeOrchestratorHost implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A received request. */
    public record Received(String method, String path, String body, Instant at) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-orchestrator-host");
        t.setDaemon(true);
        return t;
    });
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> services = new LinkedHashMap<>();
    private final Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> hangs = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String powerState = "awake";
    private volatile double uptime = 100.0;
    private volatile double minUptime = 80.0;

    private FakeOrchestratorHost(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts a host on a free loopback port, awake, with the backend's default monitored services all running
     * ({@code vtuber-unreal-game}, {@code vtuber-unreal-signaling}, {@code vtuber-turn-server}).
     */
    public static FakeOrchestratorHost start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeOrchestratorHost host = new FakeOrchestratorHost(server);
            host.services.put("vtuber-unreal-game", "running");
            host.services.put("vtuber-unreal-signaling", "running");
            host.services.put("vtuber-turn-server", "running");
            server.createContext("/", host::handle);
            server.setExecutor(host.executor);
            server.start();
            return host;
        } catch (IOException e) {
            throw new IllegalStateException("could not start the fake orchestrator host", e);
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** {@code http://127.0.0.1:<port>/health}. */
    public String healthUrl() {
        return baseUrl() + "/health";
    }

    /** The port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Every service up. */
    public FakeOrchestratorHost allUp() {
        synchronized (services) {
            services.replaceAll((k, v) -> "running");
        }
        return this;
    }

    /** Every service down (the backend counts this as a miss). */
    public FakeOrchestratorHost allDown() {
        synchronized (services) {
            services.replaceAll((k, v) -> "stopped");
        }
        return this;
    }

    /** One service running or stopped (added when unknown). */
    public FakeOrchestratorHost service(String name, boolean running) {
        synchronized (services) {
            services.put(name, running ? "running" : "stopped");
        }
        return this;
    }

    /** The {@code overall_uptime} percentage reported. */
    public FakeOrchestratorHost uptime(double percent) {
        this.uptime = percent;
        return this;
    }

    /** The {@code /power} state ({@code awake}, {@code asleep}, or anything else). */
    public FakeOrchestratorHost powerState(String state) {
        this.powerState = state;
        return this;
    }

    /** The current {@code /power} state. */
    public String powerState() {
        return powerState;
    }

    /** Answer requests to {@code path} ({@code /health}, {@code /power}) with this status until {@link #heal}. */
    public FakeOrchestratorHost failWith(String path, int status) {
        failures.put(path, status);
        return this;
    }

    /** Hold requests to {@code path} without answering until {@link #heal} (the caller's timeout fires). */
    public FakeOrchestratorHost hang(String path) {
        hangs.put(path, new CountDownLatch(1));
        return this;
    }

    /** Ends failures and hangs on {@code path}. */
    public FakeOrchestratorHost heal(String path) {
        failures.remove(path);
        CountDownLatch latch = hangs.remove(path);
        if (latch != null) {
            latch.countDown();
        }
        return this;
    }

    /** Every request so far, oldest first. */
    public List<Received> requests() {
        return new ArrayList<>(requests);
    }

    /** Requests to one path with one method. */
    public List<Received> requests(String method, String path) {
        return requests.stream()
                .filter(r -> r.method().equals(method) && r.path().equals(path))
                .toList();
    }

    /** Forgets the recorded requests. */
    public void clearRequests() {
        requests.clear();
    }

    /** The {@code /health} payload as it would be served now. */
    public ObjectNode healthPayload() {
        ObjectNode root = JSON.createObjectNode();
        root.put("timestamp", Instant.now().toString());
        ObjectNode svc = root.putObject("services");
        int up = 0;
        List<String> running = new ArrayList<>();
        synchronized (services) {
            for (Map.Entry<String, String> e : services.entrySet()) {
                boolean isUp = e.getValue().equals("running");
                ObjectNode s = svc.putObject(e.getKey());
                s.put("status", e.getValue());
                s.put("running", isUp);
                s.put("uptime_percentage", isUp ? uptime : 0.0);
                s.put("checks_count", 10);
                s.put("health", isUp ? "healthy" : "unhealthy");
                if (isUp) {
                    up++;
                    running.add(e.getKey());
                }
            }
        }
        int total = svc.size();
        root.put("monitored_count", total);
        ObjectNode summary = root.putObject("summary");
        summary.put("overall_uptime", uptime);
        summary.put("calculated_uptime", uptime);
        summary.put("services_up", up);
        summary.put("services_down", total - up);
        summary.put("total_services", total);
        summary.put("eligible_for_payment", up == total && total > 0);
        summary.put("min_uptime_required", minUptime);
        summary.putArray("missing_services");
        var runningArray = summary.putArray("running_services");
        running.forEach(runningArray::add);
        summary.put("status_message", up == total ? "All services running" : (total - up) + " service(s) down");
        return root;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            requests.add(new Received(method, path, body, Instant.now()));
            CountDownLatch hang = hangs.get(path);
            if (hang != null) {
                try {
                    hang.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            Integer failure = failures.get(path);
            if (failure != null) {
                send(exchange, failure, "{\"error\":\"scripted failure\"}");
                return;
            }
            switch (path) {
                case "/health" -> send(exchange, 200, JSON.writeValueAsString(healthPayload()));
                case "/power" -> power(exchange, method, body);
                default -> send(exchange, 404, "{\"error\":\"not found\"}");
            }
        }
    }

    private void power(HttpExchange exchange, String method, String body) throws IOException {
        if (method.equals("GET")) {
            send(exchange, 200, JSON.writeValueAsString(Map.of("state", powerState)));
            return;
        }
        if (!method.equals("POST")) {
            send(exchange, 405, "{\"error\":\"method not allowed\"}");
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            send(exchange, 400, "{\"error\":\"invalid JSON\"}");
            return;
        }
        String action = request == null ? "" : request.path("action").asText("");
        switch (action) {
            case "sleep" -> powerState = "asleep";
            case "wake" -> powerState = "awake";
            default -> {
                send(exchange, 400, "{\"error\":\"action must be sleep or wake\"}");
                return;
            }
        }
        send(exchange, 200, JSON.writeValueAsString(Map.of("ok", true, "state", powerState)));
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops the server (the port is then closed: connections are refused). */
    @Override
    public void close() {
        hangs.values().forEach(CountDownLatch::countDown);
        server.stop(0);
        executor.shutdownNow();
    }
}
