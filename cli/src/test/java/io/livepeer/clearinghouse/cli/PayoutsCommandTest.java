package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.SignedAttempt;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./clearinghouse payouts plan` prints the plan and its hash; `payouts run` pays nothing without what it needs. */
class PayoutsCommandTest {

    static final String ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    @TempDir
    Path dir;

    record Run(int code, String out) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out + err.toString());
    }

    @Test
    void plan_prints_the_payouts_the_skips_and_the_hash_in_every_format() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        try (Database db = Database.open(new DatabaseConfig(url, "sa", "", 2))) {
            Clock clock = Clock.systemUTC();
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
            store.register(Registration.of("orch-a", ADDRESS), "register");
            store.register(Registration.of("orch-b", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"), "register");
            store.credit("orch-a", new BigInteger("3000000000000000"), "e1", "session", Map.of());
            store.credit("orch-b", new BigInteger("5"), "e2", "session", Map.of());
        }

        Run table = run("payouts", "plan", "--jdbc-url", url);
        assertThat(table.code()).as(table.out()).isZero();
        assertThat(table.out())
                .contains("orch-a", ADDRESS.toLowerCase(), "3000000000000000", "eth_transfer")
                .contains("1 payout(s), 3000000000000000 wei in total")
                .contains("skipped orch-b (below_threshold, balance 5 wei)")
                .containsPattern("plan hash: [0-9a-f]{64}");

        Run json = run("payouts", "plan", "--jdbc-url", url, "--format", "json");
        JsonNode plan = new ObjectMapper().readTree(json.out());
        assertThat(plan.get("payouts").get(0).get("amount_wei").asText()).isEqualTo("3000000000000000");
        assertThat(table.out()).contains("plan hash: " + plan.get("plan_hash").asText());

        Run csv = run("payouts", "plan", "--jdbc-url", url, "--format", "csv");
        assertThat(csv.out()).startsWith("orchestrator_id,address,amount_wei,strategy\norch-a,");

        Run bad = run("payouts", "plan", "--jdbc-url", url, "--format", "xml");
        assertThat(bad.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(bad.out()).contains("--format");
    }

    @Test
    void run_without_a_chain_refuses_before_recording_anything() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        Run run = run("payouts", "run", "--jdbc-url", url, "--approve", "0".repeat(64));

        assertThat(run.code()).as(run.out()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(run.out()).contains("ETH_RPC_URL");
        try (Database db = Database.open(new DatabaseConfig(url, "sa", "", 2))) {
            assertThat(new PayoutIntents(db, Clock.systemUTC()).open()).isEmpty();
        }
    }

    @Test
    void statement_lists_the_months_credits_and_payouts_with_their_transaction_and_the_net() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        String txHash = "0x" + "ab".repeat(32);
        String intentId;
        try (Database db = Database.open(new DatabaseConfig(url, "sa", "", 2))) {
            Clock clock = Clock.systemUTC();
            Ledger ledger = new Ledger(db, clock);
            OrchestratorStore store = new OrchestratorStore(db, ledger, clock);
            store.register(Registration.of("orch-s", ADDRESS), "register");
            store.credit("orch-s", new BigInteger("3000000000000000"), "e1", "session", Map.of());
            PayoutIntents intents = new PayoutIntents(db, clock);
            intentId = intents.plan(
                            "payout-s", "orch-s", ADDRESS, new BigInteger("2000000000000000"), "eth_transfer", null)
                    .intentId();
            intents.sign(
                    intentId,
                    42161,
                    ADDRESS.toLowerCase(),
                    BigInteger.ZERO,
                    nonce -> new SignedAttempt(
                            txHash, "0x00", nonce, BigInteger.valueOf(21000), BigInteger.TEN, BigInteger.ONE));
            intents.markBroadcast(intentId);
            intents.confirm(intentId, txHash, 7, "0x" + "cd".repeat(32), ledger);
        }
        String month = YearMonth.now(ZoneOffset.UTC).toString();

        Run statement = run("payouts", "statement", "--jdbc-url", url, "--orchestrator", "orch-s", "--month", month);

        assertThat(statement.code()).as(statement.out()).isZero();
        assertThat(statement.out())
                .startsWith("time,type,transfer_id,kind,amount_wei,tx_hash,strategy,ticket_hash,ticket_outcome\n")
                .containsPattern("credit,[^,]+,earning,3000000000000000,,,,\n")
                .contains(",payout," + intentId + ",settlement,-2000000000000000," + txHash + ",eth_transfer,,\n")
                .contains(",total_credits,,,3000000000000000,,,,\n")
                .contains(",total_payouts,,,2000000000000000,,,,\n")
                .contains(",net,,,1000000000000000,,,,\n");
        Run earlier = run("payouts", "statement", "--jdbc-url", url, "--orchestrator", "orch-s", "--month", "2001-01");
        assertThat(earlier.out()).contains(",net,,,0,").doesNotContain("credit,");
        Run unknown = run("payouts", "statement", "--jdbc-url", url, "--orchestrator", "nobody", "--month", month);
        assertThat(unknown.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(unknown.out()).contains("no orchestrator nobody");
        Run badMonth = run("payouts", "statement", "--jdbc-url", url, "--orchestrator", "orch-s", "--month", "2026-13");
        assertThat(badMonth.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(badMonth.out()).contains("--month must be YYYY-MM");
    }
}
