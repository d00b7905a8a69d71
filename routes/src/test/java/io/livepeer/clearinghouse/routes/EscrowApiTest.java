package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.escrow.EscrowSigners;
import io.livepeer.clearinghouse.ledger.escrow.Funding;
import io.livepeer.clearinghouse.ledger.escrow.FundingPurpose;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import io.livepeer.clearinghouse.ledger.escrow.SignerObservation;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GET /api/escrow over HTTP on a booted application: the viewer token, per-signer polls and top-ups, autofunds. */
class EscrowApiTest extends PipelineTestSupport {

    static final String SIGNER_A = "0x" + "a1".repeat(20);
    static final String SIGNER_B = "0x" + "b2".repeat(20);
    static final String PAYOUT_KEY = "0x" + "c3".repeat(20);

    @Test
    void escrow_needs_the_viewer_or_admin_token_and_shows_each_signers_poll_and_top_ups() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(
                stage,
                null,
                Map.of(
                        "clearinghouse.escrow.signers", SIGNER_A.toUpperCase().replace("0X", "0x") + "," + SIGNER_B,
                        "clearinghouse.escrow.runway-warn-hours", "48",
                        "clearinghouse.escrow.runway-critical-hours", "6"));
        Database db = app.services().database();
        Clock clock = Clock.systemUTC();
        new EscrowSigners(db)
                .save(new SignerObservation(
                        SIGNER_A,
                        new BigInteger("20000000000000000"),
                        new BigInteger("5000000000000000"),
                        BigInteger.ZERO,
                        new BigInteger("1000000000000000"),
                        new BigDecimal("25.00"),
                        "dry run: would top up deposit 1 wei + reserve 0 wei",
                        clock.instant()));
        Fundings fundings = new Fundings(db, clock);
        Funding topUp = fundings.record(
                new Fundings.Request(
                        FundingPurpose.SIGNER_TOPUP,
                        SIGNER_A,
                        BigInteger.valueOf(700),
                        BigInteger.valueOf(300),
                        42161,
                        "0x" + "d4".repeat(20),
                        BigInteger.ZERO,
                        BigInteger.TEN.pow(6)),
                nonce -> new Fundings.Signed("0x02aa", "0x" + "e5".repeat(32)));
        fundings.record(
                new Fundings.Request(
                        FundingPurpose.PAYOUT_DEPOSIT,
                        PAYOUT_KEY,
                        BigInteger.valueOf(42),
                        BigInteger.ZERO,
                        42161,
                        PAYOUT_KEY,
                        BigInteger.ZERO,
                        BigInteger.TEN.pow(6)),
                nonce -> new Fundings.Signed("0x02bb", "0x" + "f6".repeat(32)));

        assertThat(request(stage.httpPort(), "GET", "/api/escrow", null, null, Map.of())
                        .statusCode())
                .isEqualTo(401);
        assertThat(request(stage.httpPort(), "GET", "/api/escrow", "wrong", null, Map.of())
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<String> response = request(stage.httpPort(), "GET", "/api/escrow", VIEWER_TOKEN, null, Map.of());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(response.body());

        assertThat(body.path("runway_warn_hours").asInt()).isEqualTo(48);
        assertThat(body.path("dry_run").asBoolean()).isTrue();
        assertThat(body.path("topup_enabled").asBoolean()).isFalse();
        JsonNode a = body.path("signers").get(0);
        assertThat(a.path("signer").asText()).isEqualTo(SIGNER_A);
        assertThat(a.path("level").asText()).isEqualTo("warning");
        assertThat(a.path("deposit_wei").asText()).isEqualTo("20000000000000000");
        assertThat(a.path("reserve_wei").asText()).isEqualTo("5000000000000000");
        assertThat(a.path("burn_wei_per_hour").asText()).isEqualTo("1000000000000000");
        assertThat(a.path("runway_hours").decimalValue()).isEqualByComparingTo("25");
        assertThat(a.path("last_poll").isNull()).isFalse();
        assertThat(a.path("last_decision").asText()).startsWith("dry run");
        assertThat(a.path("topups")).singleElement().satisfies(t -> {
            assertThat(t.path("id").asText()).isEqualTo(topUp.fundingId());
            assertThat(t.path("state").asText()).isEqualTo("signed");
            assertThat(t.path("deposit_wei").asText()).isEqualTo("700");
            assertThat(t.path("reserve_wei").asText()).isEqualTo("300");
            assertThat(t.path("value_wei").asText()).isEqualTo("1000");
            assertThat(t.path("tx_hash").asText()).isEqualTo("0x" + "e5".repeat(32));
            assertThat(t.path("replacements").asInt()).isZero();
        });
        JsonNode b = body.path("signers").get(1);
        assertThat(b.path("signer").asText()).isEqualTo(SIGNER_B);
        assertThat(b.path("level").asText()).isEqualTo("unknown");
        assertThat(b.path("runway_hours").isNull()).isTrue();
        assertThat(body.path("payout_deposit")).singleElement().satisfies(f -> {
            assertThat(f.path("purpose").asText()).isEqualTo("payout_deposit");
            assertThat(f.path("value_wei").asText()).isEqualTo("42");
        });
        assertThat(response.body()).doesNotContain("0x02aa").doesNotContain("raw_tx");
    }
}
