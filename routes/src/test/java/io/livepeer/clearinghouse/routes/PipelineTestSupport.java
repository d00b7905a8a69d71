package io.livepeer.clearinghouse.routes;

import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Real parts for pipeline tests: one in-process Kafka broker per test class, a fresh topic and consumer group per
 * application, a fake OpenMeter, and the real application started through {@link ClearinghouseApp}.
 */
abstract class PipelineTestSupport {

    static final AtomicInteger COUNTER = new AtomicInteger();
    private static final java.util.Map<String, Instant> USED_AT = new java.util.concurrent.ConcurrentHashMap<>();
    static final String ADMIN_TOKEN = "test-admin-" + UUID.randomUUID();
    static final String VIEWER_TOKEN = "test-viewer-" + UUID.randomUUID();
    static final String WEBHOOK_SECRET = "test-webhook-" + UUID.randomUUID();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static KafkaTestBroker kafka;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        closeables.clear();
    }

    /** Where one test's application reads from and writes to. */
    record Stage(String topic, String group, JdbcTarget db, int httpPort, int managementPort) {}

    static Stage stage(JdbcTarget db, int partitions) {
        int n = COUNTER.incrementAndGet();
        String topic = "signer-" + n + "-" + UUID.randomUUID().toString().substring(0, 6);
        kafka.createTopic(topic, partitions);
        return new Stage(topic, "metering-" + n, db, freePort(), freePort());
    }

    FakeOpenMeter openMeter() {
        FakeOpenMeter fake = FakeOpenMeter.start();
        closeables.add(fake);
        return fake;
    }

    /** Starts the application; stopped after the test unless stopped before. */
    ClearinghouseApp start(Stage stage, String openmeterUrl, Map<String, String> extra) throws Exception {
        return start(stage, openmeterUrl, extra, java.time.Clock.systemUTC());
    }

    /** Starts the application with the given clock; stopped after the test unless stopped before. */
    ClearinghouseApp start(Stage stage, String openmeterUrl, Map<String, String> extra, java.time.Clock clock)
            throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("clearinghouse.kafka.brokers", kafka.bootstrapServers());
        props.put("clearinghouse.kafka.topic", stage.topic());
        props.put("clearinghouse.kafka.group-id", stage.group());
        props.put("clearinghouse.kafka.poll-timeout-ms", "100");
        props.put("clearinghouse.kafka.batching-interval-ms", "100");
        props.put("clearinghouse.jdbc.url", stage.db().url());
        props.put("clearinghouse.jdbc.user", stage.db().user());
        props.put("clearinghouse.jdbc.password", stage.db().password());
        props.put("clearinghouse.jdbc.pool-size", "6");
        props.put("clearinghouse.price.static", "3000");
        props.put("clearinghouse.price.oracle-url", "");
        props.put("clearinghouse.openmeter.url", openmeterUrl == null ? "" : openmeterUrl);
        props.put("clearinghouse.openmeter.token", "");
        props.put("clearinghouse.openmeter.poll-interval", "50ms");
        props.put("clearinghouse.openmeter.initial-backoff", "50ms");
        props.put("clearinghouse.openmeter.max-backoff", "200ms");
        props.put("clearinghouse.kafka.dead-letter-topic", "");
        props.put("clearinghouse.metering.catalog-file", "");
        props.put("camel.server.host", "127.0.0.1");
        props.put("camel.server.port", String.valueOf(stage.httpPort()));
        props.put("camel.management.host", "127.0.0.1");
        props.put("camel.management.port", String.valueOf(stage.managementPort()));
        props.put("camel.main.shutdown-timeout", "10");
        props.put("clearinghouse.api.admin-token", ADMIN_TOKEN);
        props.put("clearinghouse.api.viewer-token", VIEWER_TOKEN);
        props.put("clearinghouse.ledger.usage-fan-out", "true");
        props.put("clearinghouse.bridge.webhook-secret", WEBHOOK_SECRET);
        props.put("clearinghouse.bridge.auth-mode", "api_key");
        props.put("clearinghouse.bridge.signer-url", "");
        props.putAll(extra);
        ClearinghouseApp app = ClearinghouseApp.start(props, clock);
        closeables.add(app);
        return app;
    }

    /**
     * A signed ticket used a minute ago by the real clock: the application dead-letters usage older than its
     * backdating window (30 days), so a fixed date would start failing a month after it was written.
     */
    static String signedTicket(String id, String authId, String feeWei, String pipeline) {
        // one time per id: a redelivered copy is the same bytes (the same id with other content is a fork, issue 10)
        Instant usedAt =
                USED_AT.computeIfAbsent(id, k -> Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS));
        return "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"" + usedAt.toEpochMilli()
                + "\",\"gateway\":\"\",\"data\":{\"auth_id\":\"" + authId + "\",\"computed_fee\":\"" + feeWei + "\","
                + "\"pipeline\":\"" + pipeline + "\",\"request_id\":\"a1b2c3d4\",\"session_id\":\"9f8e7d6c\","
                + "\"current_time\":\"" + usedAt + "\",\"billable_secs\":10,\"pixels\":0}}";
    }

    static List<String> validIds(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        return ids;
    }

    static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100));
    }

    /** GET with the admin token. */
    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return request(port, "GET", path, ADMIN_TOKEN, null, Map.of());
    }

    /** Any request; {@code token} and {@code body} may be null. */
    static HttpResponse<String> request(
            int port, String method, String path, String token, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (body != null && headers.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
            builder.header("Content-Type", "application/json");
        }
        headers.forEach(builder::header);
        return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
