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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
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
}
