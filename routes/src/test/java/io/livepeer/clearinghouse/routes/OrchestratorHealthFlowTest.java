package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsConfiguration;
import io.livepeer.clearinghouse.testing.FakeOrchestratorHost;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Health polling end to end: the clustered job against a stand-in orchestrator host. */
class OrchestratorHealthFlowTest extends PipelineTestSupport {

    static final String ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    static Map<String, String> fastPolling(String ttl) {
        Map<String, String> p = new HashMap<>();
        p.put("clearinghouse.orchestrators.health.poll-interval", "200ms");
        p.put("clearinghouse.orchestrators.health.miss-threshold", "2");
        p.put("clearinghouse.orchestrators.health.forwarder-ttl", ttl);
        p.put("clearinghouse.quartz.checkin-interval", "1s");
        return p;
    }

    FakeOrchestratorHost host() {
        FakeOrchestratorHost host = FakeOrchestratorHost.start();
        closeables.add(host);
        return host;
    }

    static void register(Stage stage, String id, FakeOrchestratorHost host, String timeout) throws Exception {
        var r = request(
                stage.httpPort(),
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"" + id + "\",\"address\":\"" + ADDRESS + "\",\"health_url\":\""
                        + host.healthUrl() + "\",\"health_timeout\":" + timeout + "}",
                Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static JsonNode orchestrator(Stage stage, String id) throws Exception {
        return Json.mapper()
                .readTree(get(stage.httpPort(), "/api/orchestrators/" + id).body());
    }

    @Test
    void consecutive_misses_start_a_cooldown_and_a_healthy_cycle_ends_it() throws Exception {
        FakeOrchestratorHost host = host();
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, fastPolling("120s"));
        register(stage, "orch-1", host, "0.5");
        eventually()
                .until(() -> orchestrator(stage, "orch-1")
                        .path("last_health")
                        .path("up")
                        .asBoolean());
        assertThat(orchestrator(stage, "orch-1").path("eligible").asBoolean()).isTrue();

        host.hang("/health"); // timeouts are misses too
        eventually()
                .until(() ->
                        orchestrator(stage, "orch-1").path("cooldown_active").asBoolean());
        JsonNode cooled = orchestrator(stage, "orch-1");
        assertThat(cooled.path("eligible").asBoolean()).isFalse();
        assertThat(cooled.path("last_health").path("summary").path("error").asText())
                .contains("timed out");
        assertThat(cooled.path("health_samples").get(0).path("reachable").asBoolean())
                .isFalse();

        host.heal("/health").allDown();
        eventually()
                .until(() -> orchestrator(stage, "orch-1")
                                .path("last_health")
                                .path("source")
                                .asText()
                                .equals("health_url")
                        && !orchestrator(stage, "orch-1")
                                .path("last_health")
                                .path("up")
                                .asBoolean()
                        && orchestrator(stage, "orch-1")
                                .path("last_health")
                                .path("summary")
                                .has("services_up"));
        assertThat(orchestrator(stage, "orch-1").path("cooldown_active").asBoolean())
                .isTrue();

        host.allUp();
        eventually()
                .until(() ->
                        !orchestrator(stage, "orch-1").path("cooldown_active").asBoolean());
        JsonNode back = orchestrator(stage, "orch-1");
        assertThat(back.path("eligible").asBoolean()).isTrue();
        assertThat(back.path("last_cooldown_cleared_at").isTextual()).isTrue();
        assertThat(back.path("last_contact_source").asText()).isEqualTo("health_url");
    }

    @Test
    void a_fresh_forwarder_snapshot_replaces_polling_and_a_stale_one_does_not() throws Exception {
        FakeOrchestratorHost host = host().allDown();
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, fastPolling("3s"));
        register(stage, "orch-1", host, "1");
        eventually()
                .until(() ->
                        orchestrator(stage, "orch-1").path("consecutive_misses").asInt() > 0
                                || orchestrator(stage, "orch-1")
                                        .path("cooldown_active")
                                        .asBoolean());

        var posted = request(
                stage.httpPort(),
                "POST",
                "/api/orchestrators/orch-1/health",
                ADMIN_TOKEN,
                "{\"source\":\"forwarder\",\"data\":{\"summary\":{\"services_up\":3,\"total_services\":3}}}",
                Map.of());
        assertThat(posted.statusCode()).isEqualTo(200);
        eventually()
                .until(() -> orchestrator(stage, "orch-1")
                        .path("last_health")
                        .path("source")
                        .asText()
                        .equals("forwarder"));
        JsonNode fresh = orchestrator(stage, "orch-1");
        assertThat(fresh.path("last_health").path("up").asBoolean()).isTrue();
        assertThat(fresh.path("cooldown_active").asBoolean()).isFalse();
        // while fresh, the host is not polled
        int polls = host.requests("GET", "/health").size();
        await().during(Duration.ofMillis(1000))
                .atMost(Duration.ofSeconds(2))
                .until(() -> host.requests("GET", "/health").size() <= polls + 1);

        // stale: polling again, and the host is down
        eventually().until(() -> {
            JsonNode o = orchestrator(stage, "orch-1");
            return o.path("last_health").path("source").asText().equals("health_url")
                    && !o.path("last_health").path("up").asBoolean()
                    && !o.path("forwarder_health").path("fresh").asBoolean();
        });
    }

    @Test
    void two_instances_on_one_postgresql_poll_once_per_period() throws Exception {
        FakeOrchestratorHost host = host();
        Stage a = stage(TestDatabases.postgres(), 1);
        Stage b = new Stage(a.topic(), a.group(), a.db(), freePort(), freePort());
        Map<String, String> settings = fastPolling("120s");
        settings.put("clearinghouse.orchestrators.health.poll-interval", "300ms");
        ClearinghouseApp first = start(a, null, settings);
        start(b, null, settings);
        register(a, "orch-1", host, "1");
        eventually().until(() -> host.requests("GET", "/health").size() >= 10);

        Database db = first.context().getRegistry().findSingleByType(Database.class);
        long instances = db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM qrtz_scheduler_state")
                .mapTo(Long.class)
                .one());
        assertThat(instances).as("both instances joined the scheduler cluster").isEqualTo(2);
        // every fire polls the one orchestrator once: had two instances run one fire, there would be more polls than
        // fires. (Polls read first: a fire counted but not yet polled only makes the left side smaller. Fires that
        // come late on a loaded machine run back to back, so their spacing proves nothing.)
        int polls = host.requests("GET", "/health").size();
        // the health job's own trigger: other clustered jobs (the payouts cycle) have theirs in the same table
        long fires = db.withHandle(
                h -> h.createQuery("SELECT times_triggered FROM qrtz_simple_triggers WHERE trigger_name = :name")
                        .bind("name", OrchestratorsConfiguration.HEALTH_ROUTE_ID)
                        .mapTo(Long.class)
                        .one());
        assertThat((long) polls).as("polls vs fires of the shared trigger").isLessThanOrEqualTo(fires);
        assertThat(polls).isGreaterThanOrEqualTo(10);
    }
}
