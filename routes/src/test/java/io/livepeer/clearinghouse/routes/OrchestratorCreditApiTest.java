package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.FakeOrchestratorHost;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Session, workload and lease crediting over HTTP on a full boot with a mutable clock and a stand-in orchestrator
 * host serving {@code /power}: the backend's vector, gating (awake, eligible), bad input without a partial effect,
 * idempotent workloads, lease bounds, and balanced books after crediting.
 */
class OrchestratorCreditApiTest extends PipelineTestSupport {

    static final String REPORTER = "reporter-" + java.util.UUID.randomUUID();
    static final String ADDRESS_1 = "0x52908400098527886E0F7030069857D2E4169EE7";
    static final String ADDRESS_2 = "0x8617E340B3D01FA5F11F306F4090FD50E238070D";

    MutableClock clock;
    FakeOrchestratorHost host;
    Stage stage;
    ClearinghouseApp app;
    OrchestratorStore registry;

    @BeforeEach
    void boot() throws Exception {
        clock = new MutableClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        host = FakeOrchestratorHost.start();
        closeables.add(host);
        stage = stage(TestDatabases.h2(), 1);
        Map<String, String> props = new HashMap<>();
        props.put("clearinghouse.orchestrators.credit.session-reporter-token", REPORTER);
        props.put("clearinghouse.orchestrators.credit.session-eth-per-minute", "0.06");
        props.put("clearinghouse.orchestrators.credit.power-port", String.valueOf(host.port()));
        app = start(stage, null, props, clock);
        registry = app.context().getRegistry().findSingleByType(OrchestratorStore.class);
        registry.register(orchestrator("orch-1", ADDRESS_1), "register");
        registry.register(orchestrator("orch-2", ADDRESS_2), "register");
    }

    static Registration orchestrator(String id, String address) {
        return new Registration(id, address, null, null, null, "127.0.0.1", null, null, null, null, null);
    }

    HttpResponse<String> session(String sessionId, String event, String orchestrator) throws Exception {
        return request(
                stage.httpPort(),
                "POST",
                "/api/sessions/events",
                null,
                "{\"session_id\":\"" + sessionId + "\",\"event\":\"" + event + "\",\"orchestrator_id\":\""
                        + orchestrator + "\",\"upstream_addr\":\"10.0.0.7\",\"edge_id\":\"edge-1\"}",
                Map.of("X-Session-Token", REPORTER));
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return request(stage.httpPort(), method, path, ADMIN_TOKEN, body, Map.of());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    @Test
    void the_backends_vector_credits_one_hundredth_eth_and_the_books_balance() throws Exception {
        assertThat(session("s1", "start", "orch-1").statusCode()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(10));
        assertThat(session("s1", "heartbeat", "orch-1").statusCode()).isEqualTo(200);
        JsonNode inUse = json(admin("GET", "/api/orchestrators/orch-1", null));
        assertThat(inUse.path("in_use").asBoolean()).isTrue();
        assertThat(inUse.path("active_reason").asText()).isEqualTo("session");
        assertThat(inUse.path("active_sessions").asInt()).isEqualTo(1);
        assertThat(inUse.path("active_activity_leases").asInt())
                .as("the session's own lease")
                .isEqualTo(1);
        assertThat(inUse.path("activity")
                        .path("sessions")
                        .get(0)
                        .path("session_id")
                        .asText())
                .isEqualTo("s1");
        HttpResponse<String> end = session("s1", "end", "orch-1");
        assertThat(end.statusCode()).isEqualTo(200);
        JsonNode body = json(end);
        assertThat(body.path("credited_eth").asText()).isEqualTo("0.01");
        assertThat(body.path("session").path("billed_ms").asLong()).isEqualTo(10_000);
        assertThat(body.path("session").path("billed_eth").asText()).isEqualTo("0.01");
        assertThat(body.path("closed").get(0).path("proof_hash").asText()).startsWith("sha256:");
        assertThat(registry.balanceWei("orch-1")).isEqualTo(new BigInteger("10000000000000000"));
        JsonNode ended = json(admin("GET", "/api/orchestrators/orch-1", null));
        assertThat(ended.path("in_use").asBoolean()).isFalse();
        assertThat(ended.path("balance_wei").asText()).isEqualTo("10000000000000000");
        // repeated: nothing more
        assertThat(json(session("s1", "end", "orch-1")).path("credited_wei").asText())
                .isEqualTo("0");
        assertThat(registry.balanceWei("orch-1")).isEqualTo(new BigInteger("10000000000000000"));
        assertThat(host.requests("GET", "/power")).isNotEmpty();
        // ledger reconcile: balanced after crediting
        JsonNode books = json(admin("GET", "/api/ledger/reconciliation", null));
        assertThat(books.path("ok").asBoolean()).as(books.toString()).isTrue();
        JsonNode listed = json(admin("GET", "/api/sessions?orchestrator_id=orch-1", null));
        assertThat(listed.path("sessions")).hasSize(1);
        assertThat(json(admin("GET", "/api/sessions/s1", null)).path("segments"))
                .hasSize(1);
    }

    @Test
    void sessions_of_an_asleep_or_ineligible_orchestrator_are_stored_but_not_credited() throws Exception {
        host.powerState("asleep");
        session("s-asleep", "start", "orch-1");
        clock.advance(Duration.ofSeconds(30));
        JsonNode asleep = json(session("s-asleep", "end", "orch-1"));
        assertThat(asleep.path("credited_wei").asText()).isEqualTo("0");
        assertThat(asleep.path("not_credited").asText()).isEqualTo("not_awake");
        assertThat(asleep.path("session").path("metered_ms").asLong()).isEqualTo(30_000);

        host.powerState("awake");
        registry.setDenylisted("orch-2", true, "test");
        session("s-denied", "start", "orch-2");
        clock.advance(Duration.ofSeconds(30));
        JsonNode denied = json(session("s-denied", "end", "orch-2"));
        assertThat(denied.path("not_credited").asText()).isEqualTo("not_eligible");
        assertThat(registry.balanceWei("orch-1")).isZero();
        assertThat(registry.balanceWei("orch-2")).isZero();
        assertThat(json(admin("GET", "/api/sessions", null)).path("sessions")).hasSize(2);
    }

    @Test
    void bad_session_input_is_a_4xx_naming_the_field_and_stores_nothing() throws Exception {
        HttpResponse<String> hostName = request(
                stage.httpPort(),
                "POST",
                "/api/sessions/events",
                null,
                "{\"session_id\":\"bad\",\"event\":\"start\",\"upstream_addr\":\"example.com\"}",
                Map.of("X-Session-Token", REPORTER));
        assertThat(hostName.statusCode()).isEqualTo(400);
        assertThat(json(hostName).path("errors").get(0).path("field").asText()).isEqualTo("upstream_addr");
        HttpResponse<String> event = request(
                stage.httpPort(),
                "POST",
                "/api/sessions/events",
                null,
                "{\"session_id\":\"bad\",\"event\":\"pause\"}",
                Map.of("X-Session-Token", REPORTER));
        assertThat(json(event).path("errors").get(0).path("field").asText()).isEqualTo("event");
        assertThat(admin("GET", "/api/sessions/bad", null).statusCode()).isEqualTo(404);
        // the reporter token (or the admin token) is required; the viewer token is not a reporter
        assertThat(request(
                                stage.httpPort(),
                                "POST",
                                "/api/sessions/events",
                                null,
                                "{\"session_id\":\"x\"}",
                                Map.of("X-Session-Token", "wrong"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(request(
                                stage.httpPort(),
                                "POST",
                                "/api/sessions/events",
                                VIEWER_TOKEN,
                                "{\"session_id\":\"x\"}",
                                Map.of())
                        .statusCode())
                .as("the viewer token is no reporter token and too weak as admin")
                .isEqualTo(403);
        assertThat(admin("POST", "/api/sessions/events", "{\"session_id\":\"by-admin\"}")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void a_time_workload_credits_once_and_a_reused_id_with_other_content_is_409() throws Exception {
        String body = "{\"workload_id\":\"w-1\",\"orchestrator_id\":\"orch-1\",\"duration_ms\":60000,"
                + "\"artifact_hash\":\"sha256:ab\"}";
        HttpResponse<String> first = admin("POST", "/api/workloads/time", body);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(json(first).path("amount_wei").asText()).isEqualTo("5353596000000");
        assertThat(json(first).path("pricing").path("kind").asText()).isEqualTo("workload_time");
        HttpResponse<String> again = admin("POST", "/api/workloads/time", body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again)).isEqualTo(json(first));
        HttpResponse<String> other = admin("POST", "/api/workloads/time", body.replace("60000", "60001"));
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(json(other).path("errors").get(0).path("field").asText()).isEqualTo("workload_id");
        assertThat(registry.balanceWei("orch-1")).isEqualTo(new BigInteger("5353596000000"));

        HttpResponse<String> tooLong =
                admin("POST", "/api/workloads/time", body.replace("w-1", "w-2").replace("60000", "86400001"));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(json(tooLong).path("errors").get(0).path("field").asText()).isEqualTo("duration_ms");
        HttpResponse<String> unknown =
                admin("POST", "/api/workloads/time", body.replace("w-1", "w-3").replace("orch-1", "nobody"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(request(stage.httpPort(), "POST", "/api/workloads/time", VIEWER_TOKEN, body, Map.of())
                        .statusCode())
                .isEqualTo(403);
        assertThat(json(admin("GET", "/api/workloads?orchestrator_id=orch-1", null))
                        .path("workloads"))
                .hasSize(1);
        assertThat(registry.balanceWei("orch-1")).isEqualTo(new BigInteger("5353596000000"));
    }

    @Test
    void leases_are_created_extended_revoked_and_listed_within_the_backends_bounds() throws Exception {
        HttpResponse<String> created =
                admin("POST", "/api/activity/leases", "{\"orchestrator_id\":\"orch-1\",\"lease_seconds\":60}");
        assertThat(created.statusCode()).isEqualTo(201);
        String id = json(created).path("lease_id").asText();
        assertThat(Instant.parse(json(created).path("expires_at").asText()))
                .isEqualTo(clock.instant().plusSeconds(60));
        HttpResponse<String> tooShort =
                admin("POST", "/api/activity/leases", "{\"orchestrator_id\":\"orch-1\",\"lease_seconds\":29}");
        assertThat(json(tooShort).path("errors").get(0).path("field").asText()).isEqualTo("lease_seconds");
        clock.advance(Duration.ofSeconds(30));
        HttpResponse<String> beat =
                admin("POST", "/api/activity/leases/" + id + "/heartbeat", "{\"lease_seconds\":86400}");
        assertThat(beat.statusCode()).isEqualTo(200);
        assertThat(Instant.parse(json(beat).path("expires_at").asText()))
                .isEqualTo(clock.instant().plusSeconds(3600));
        assertThat(json(admin("GET", "/api/activity/leases?active_only=true", null))
                        .path("leases"))
                .hasSize(1);
        assertThat(admin("DELETE", "/api/activity/leases/" + id, null).statusCode())
                .isEqualTo(200);
        assertThat(admin("POST", "/api/activity/leases/" + id + "/heartbeat", "{}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(json(admin("GET", "/api/activity/leases?active_only=true", null))
                        .path("leases"))
                .isEmpty();
        assertThat(admin("POST", "/api/activity/leases", "{\"orchestrator_id\":\"nobody\"}")
                        .statusCode())
                .isEqualTo(404);
    }
}
