package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The orchestrators API over HTTP: registry rules, bad input, tokens for /me, balances and stats. */
class OrchestratorsApiTest extends PipelineTestSupport {

    static final String ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    static final String OTHER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";

    Stage stage;
    ClearinghouseApp app;

    @BeforeEach
    void startApp() throws Exception {
        stage = stage(TestDatabases.h2(), 1);
        app = start(stage, null, Map.of("clearinghouse.orchestrators.health.enabled", "false"));
    }

    HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        return request(stage.httpPort(), method, path, token, body, Map.of());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.mapper().readTree(response.body());
    }

    static String field(HttpResponse<String> r) throws Exception {
        return json(r).path("errors").get(0).path("field").asText();
    }

    @Test
    void registering_checks_eip55_and_refuses_a_rebound_or_changed_address_with_409() throws Exception {
        HttpResponse<String> created = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-1\",\"address\":\"" + ADDRESS.toLowerCase()
                        + "\",\"host_name\":\"orch1.example\",\"monitored_services\":[\"a\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).path("address").asText()).isEqualTo(ADDRESS);
        assertThat(json(created).path("balance_wei").asText()).isEqualTo("0");
        assertThat(json(created).path("eligible").asBoolean()).isTrue();

        HttpResponse<String> again = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-1\",\"address\":\"" + ADDRESS + "\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).path("registration_count").asInt()).isEqualTo(2);

        HttpResponse<String> rebound = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-2\",\"address\":\"" + ADDRESS + "\"}");
        assertThat(rebound.statusCode()).isEqualTo(409);
        assertThat(field(rebound)).isEqualTo("address");
        HttpResponse<String> changed = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-1\",\"address\":\"" + OTHER + "\"}");
        assertThat(changed.statusCode()).isEqualTo(409);
        assertThat(call("PATCH", "/api/orchestrators/orch-1", ADMIN_TOKEN, "{\"address\":\"" + OTHER + "\"}")
                        .statusCode())
                .isEqualTo(409);

        HttpResponse<String> typo = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-3\",\"address\":\"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(field(typo)).isEqualTo("address");
        assertThat(json(typo).path("detail").asText()).contains("EIP-55");
        HttpResponse<String> malformed = call(
                "POST", "/api/orchestrators", ADMIN_TOKEN, "{\"orchestrator_id\":\"orch-3\",\"address\":\"0x12\"}");
        assertThat(field(malformed)).isEqualTo("address");
        HttpResponse<String> timeout = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-3\",\"address\":\"" + OTHER + "\",\"health_timeout\":120}");
        assertThat(timeout.statusCode()).isEqualTo(400);
        assertThat(field(timeout)).isEqualTo("health_timeout");
        HttpResponse<String> badId = call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"bad id/x\",\"address\":\"" + OTHER + "\"}");
        assertThat(field(badId)).isEqualTo("orchestrator_id");

        HttpResponse<String> unknown = call("GET", "/api/orchestrators/nobody", VIEWER_TOKEN, null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(field(unknown)).isEqualTo("orchestrator_id");
        assertThat(call("GET", "/api/orchestrators", VIEWER_TOKEN, null).statusCode())
                .isEqualTo(200);
        assertThat(call("POST", "/api/orchestrators/orch-1/denylist", VIEWER_TOKEN, "{\"denylisted\":true}")
                        .statusCode())
                .isEqualTo(403);
        HttpResponse<String> denied = call(
                "POST", "/api/orchestrators/orch-1/denylist", ADMIN_TOKEN, "{\"denylisted\":true,\"reason\":\"x\"}");
        assertThat(json(denied).path("eligible").asBoolean()).isFalse();
        assertThat(call("GET", "/api/orchestrators", VIEWER_TOKEN, null).body()).doesNotContain("orch-2");
    }

    @Test
    void a_snapshot_for_an_unknown_orchestrator_is_404_and_an_oversized_one_413() throws Exception {
        call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-1\",\"address\":\"" + ADDRESS + "\"}");
        assertThat(call("POST", "/api/orchestrators/nobody/health", ADMIN_TOKEN, "{\"data\":{\"summary\":{}}}")
                        .statusCode())
                .isEqualTo(404);
        String big = "x".repeat(70_000);
        HttpResponse<String> oversized =
                call("POST", "/api/orchestrators/orch-1/health", ADMIN_TOKEN, "{\"data\":{\"blob\":\"" + big + "\"}}");
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(field(oversized)).isEqualTo("data");
        HttpResponse<String> noData = call("POST", "/api/orchestrators/orch-1/health", ADMIN_TOKEN, "{}");
        assertThat(noData.statusCode()).isEqualTo(400);
        assertThat(field(noData)).isEqualTo("data");
        HttpResponse<String> ok = call(
                "POST",
                "/api/orchestrators/orch-1/health",
                ADMIN_TOKEN,
                "{\"source\":\"forwarder\",\"data\":{\"summary\":{\"services_up\":2,\"total_services\":2},"
                        + "\"ip\":\"10.0.0.7\"}}");
        assertThat(ok.body()).isEqualTo("{\"ok\":true}");
        JsonNode view = json(call("GET", "/api/orchestrators/orch-1", VIEWER_TOKEN, null));
        assertThat(view.path("forwarder_health").path("fresh").asBoolean()).isTrue();
        assertThat(view.path("active_reason").asText()).isEqualTo("forwarder_health");
        assertThat(view.path("last_contact_source").asText()).isEqualTo("forwarder");
        assertThat(view.path("last_seen_ip").asText()).isEqualTo("10.0.0.7");
    }

    @Test
    void an_orchestrator_token_shows_its_own_record_and_stats_until_revoked() throws Exception {
        call(
                "POST",
                "/api/orchestrators",
                ADMIN_TOKEN,
                "{\"orchestrator_id\":\"orch-1\",\"address\":\"" + ADDRESS + "\"}");
        OrchestratorStore store = app.context().getRegistry().findSingleByType(OrchestratorStore.class);
        store.credit("orch-1", new BigInteger("10000000000000000"), "session:s1:0", "session_time", Map.of());
        store.credit("orch-1", new BigInteger("5000000000000000"), "workload:w1", "workload_time", Map.of());

        HttpResponse<String> created = call(
                "POST", "/api/orchestrators/orch-1/tokens", ADMIN_TOKEN, "{\"label\":\"ops\",\"ttl_seconds\":3600}");
        assertThat(created.statusCode()).isEqualTo(201);
        String token = json(created).path("token").asText();
        String tokenId = json(created).path("token_id").asText();
        assertThat(call("GET", "/api/orchestrators/orch-1/tokens", ADMIN_TOKEN, null)
                        .body())
                .contains(tokenId)
                .doesNotContain(token);

        HttpResponse<String> me = request(
                stage.httpPort(), "GET", "/api/orchestrators/me", null, null, Map.of("X-Orchestrator-Token", token));
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(json(me).path("orchestrator_id").asText()).isEqualTo("orch-1");
        assertThat(json(me).path("balance_eth").asText()).isEqualTo("0.015");
        HttpResponse<String> stats = call("GET", "/api/orchestrators/me/stats?days=7", token, null);
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(json(stats).path("total_session_eth").asText()).isEqualTo("0.01");
        assertThat(json(stats).path("total_workload_eth").asText()).isEqualTo("0.005");
        assertThat(json(stats).path("daily")).hasSize(7);
        assertThat(call("GET", "/api/orchestrators/me/stats?days=0", token, null)
                        .statusCode())
                .isEqualTo(400);
        assertThat(call("GET", "/api/orchestrators/me", ADMIN_TOKEN, null).statusCode())
                .as("the admin token is not an orchestrator token")
                .isEqualTo(401);

        call("DELETE", "/api/orchestrators/orch-1/tokens/" + tokenId, ADMIN_TOKEN, null);
        assertThat(call("GET", "/api/orchestrators/me", token, null).statusCode())
                .isEqualTo(401);
        Reconciliation reconciliation = app.context().getRegistry().findSingleByType(Reconciliation.class);
        assertThat(reconciliation.run().ok()).isTrue();
    }
}
