package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /api/payouts and /api/orchestrators/{id}/payouts over HTTP: tokens, filters, paging, bad input. */
class PayoutsApiTest extends PipelineTestSupport {

    Stage stage;

    @BeforeEach
    void startApp() throws Exception {
        stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        Database db = app.services().database();
        Clock clock = Clock.systemUTC();
        OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
        PayoutIntents intents = new PayoutIntents(db, clock);
        store.register(Registration.of("orch-a", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"), "register");
        store.register(Registration.of("orch-b", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"), "register");
        store.register(Registration.of("orch-none", "0x90f79bf6eb2c4f870365e785982e1f101e93b906"), "register");
        intents.plan(
                "p-a1", "orch-a", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", BigInteger.TEN, "eth_transfer", "h");
        intents.cancel("p-a1", "operator changed their mind");
        intents.plan(
                "p-a2", "orch-a", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", BigInteger.TWO, "eth_transfer", "h");
        intents.plan(
                "p-b1", "orch-b", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", BigInteger.ONE, "eth_transfer", "h");
        this.db = db;
    }

    Database db;

    HttpResponse<String> get(String path, String token) throws Exception {
        return request(stage.httpPort(), "GET", path, token, null, Map.of());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.mapper().readTree(response.body());
    }

    @Test
    void payouts_need_the_viewer_or_admin_token_and_filter_by_state_and_orchestrator() throws Exception {
        assertThat(get("/api/payouts", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/orchestrators/orch-a/payouts", "wrong").statusCode())
                .isEqualTo(401);

        HttpResponse<String> all = get("/api/payouts", VIEWER_TOKEN);
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        assertThat(json(all).path("payouts")).hasSize(3);
        JsonNode planned = json(get("/api/payouts?state=planned", ADMIN_TOKEN)).path("payouts");
        assertThat(planned).hasSize(2);
        assertThat(planned.findValuesAsText("state")).containsOnly("planned");
        JsonNode failed = json(get("/api/payouts?state=FAILED&orchestrator=orch-a", VIEWER_TOKEN))
                .path("payouts");
        assertThat(failed).singleElement().satisfies(p -> {
            assertThat(p.path("id").asText()).isEqualTo("p-a1");
            assertThat(p.path("amount_wei").asText()).isEqualTo("10");
            assertThat(p.path("failure_reason").asText()).contains("changed their mind");
        });

        JsonNode mine = json(get("/api/orchestrators/orch-a/payouts", VIEWER_TOKEN));
        assertThat(mine.path("payouts").findValuesAsText("id")).containsExactlyInAnyOrder("p-a1", "p-a2");
        assertThat(json(get("/api/orchestrators/orch-none/payouts", VIEWER_TOKEN))
                        .path("payouts"))
                .isEmpty();
    }

    @Test
    void a_ticket_payout_shows_its_strategy_ticket_hash_and_outcome() throws Exception {
        Clock clock = Clock.systemUTC();
        String recipient = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65";
        new OrchestratorStore(db, new Ledger(db, clock), clock)
                .register(Registration.of("orch-t", recipient), "register");
        new PayoutIntents(db, clock).plan("p-t1", "orch-t", recipient, BigInteger.TEN, "livepeer_ticket", "h");
        String hash = "0x" + "5f".repeat(32);
        new PayoutTickets(db, clock)
                .store(new PayoutTickets.StoredTicket(
                        "p-t1",
                        hash,
                        recipient,
                        "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
                        BigInteger.TEN,
                        BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE),
                        BigInteger.ONE,
                        BigInteger.TWO,
                        "0x" + "11".repeat(32),
                        "0x" + "22".repeat(64),
                        BigInteger.valueOf(7),
                        "0x" + "33".repeat(65),
                        PayoutTickets.Outcome.PENDING,
                        null,
                        null,
                        null,
                        false));
        new PayoutTickets(db, clock).waiting("p-t1", "waiting_for_coverage: deposit too low");

        JsonNode mine =
                json(get("/api/orchestrators/orch-t/payouts", VIEWER_TOKEN)).path("payouts");

        assertThat(mine).singleElement().satisfies(p -> {
            assertThat(p.path("strategy").asText()).isEqualTo("livepeer_ticket");
            assertThat(p.path("ticket").path("hash").asText()).isEqualTo(hash);
            assertThat(p.path("ticket").path("outcome").asText()).isEqualTo("pending");
            assertThat(p.path("ticket").path("creation_round").asText()).isEqualTo("7");
            assertThat(p.path("ticket").path("waiting_reason").asText()).startsWith("waiting_for_coverage");
        });
        JsonNode transfer =
                json(get("/api/orchestrators/orch-a/payouts", VIEWER_TOKEN)).path("payouts");
        assertThat(transfer.get(0).path("ticket").isNull())
                .as("no ticket for eth_transfer")
                .isTrue();
    }

    @Test
    void pages_follow_the_cursor_and_bad_input_names_the_field() throws Exception {
        JsonNode first = json(get("/api/payouts?limit=2", VIEWER_TOKEN));
        assertThat(first.path("payouts")).hasSize(2);
        String cursor = first.path("next_cursor").asText();
        JsonNode second = json(get("/api/payouts?limit=2&cursor=" + cursor, VIEWER_TOKEN));
        assertThat(second.path("payouts")).hasSize(1);
        assertThat(second.path("next_cursor").isNull()).isTrue();

        HttpResponse<String> state = get("/api/payouts?state=paid", VIEWER_TOKEN);
        assertThat(state.statusCode()).isEqualTo(400);
        assertThat(json(state).path("errors").get(0).path("field").asText()).isEqualTo("state");
        HttpResponse<String> unknown = get("/api/orchestrators/nobody/payouts", VIEWER_TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("detail").asText()).contains("no orchestrator nobody");
    }
}
