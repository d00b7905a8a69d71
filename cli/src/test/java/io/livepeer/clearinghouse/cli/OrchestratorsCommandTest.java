package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./clearinghouse orchestrators list|register|import-ops`, with their exit codes. */
class OrchestratorsCommandTest {

    static final String ALPHA = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    static final String BETA = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
    static final String GAMMA = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB";

    @TempDir
    Path dir;

    record Run(int code, String out) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out + err.toString());
    }

    String url() {
        return "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
    }

    Path opsDir() throws Exception {
        Path ops = dir.resolve("ops");
        Files.createDirectories(ops.resolve("audit"));
        Files.writeString(
                ops.resolve("registry.json"),
                "{\"orch-alpha\":{\"orchestrator_id\":\"orch-alpha\",\"address\":\"" + ALPHA.toLowerCase()
                        + "\",\"health_url\":\"http://10.0.0.1:9090/health\",\"health_timeout\":2.5,"
                        + "\"monitored_services\":[\"vtuber-turn-server\"],\"host_name\":\"alpha\",\"is_top_100\":true,"
                        + "\"cooldown_expires_at\":null},"
                        + "\"orch-beta\":{\"orchestrator_id\":\"orch-beta\",\"address\":\"" + BETA
                        + "\",\"denylisted\":true}}");
        Files.writeString(
                ops.resolve("orchestrators.json"),
                "[{\"orchestrator_id\":\"orch-gamma\",\"address\":\"" + GAMMA + "\"},"
                        + "{\"orchestrator_id\":\"orch-thief\",\"address\":\"" + ALPHA + "\"}]");
        Files.writeString(ops.resolve("balances.json"), "{\"orch-alpha\":\"1.25\",\"orch-gamma\":\"0.5\"}");
        Files.writeString(
                ops.resolve("audit").resolve("ledger-events.log"),
                "{\"timestamp\":\"2026-06-01T10:00:00Z\",\"event\":\"credit\",\"orchestrator_id\":\"orch-alpha\","
                        + "\"amount\":\"1.25\",\"balance\":\"1.25\",\"delta\":\"1.25\",\"reason\":\"session_time\"}\n"
                        + "{\"timestamp\":\"2026-06-01T11:00:00Z\",\"event\":\"credit\",\"orchestrator_id\":"
                        + "\"orch-gamma\",\"amount\":\"0.5\",\"balance\":\"0.5\",\"delta\":\"0.5\"}\n");
        return ops;
    }

    @Test
    void import_ops_keeps_ids_addresses_and_balances_and_the_books_balance_after_crediting() throws Exception {
        Run imported = run("orchestrators", "import-ops", opsDir().toString(), "--jdbc-url", url());
        // orch-thief claims orch-alpha's address: refused, so the import reports a conflict
        assertThat(imported.code()).as(imported.out()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(imported.out()).contains("Registered: 3 orchestrator(s)").contains("orch-thief");

        try (Database db = Database.open(new DatabaseConfig(url(), "sa", "", 2))) {
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, Clock.systemUTC()), Clock.systemUTC());
            var alpha = store.require("orch-alpha");
            assertThat(alpha.address()).isEqualTo(ALPHA);
            assertThat(alpha.healthUrl()).isEqualTo("http://10.0.0.1:9090/health");
            assertThat(alpha.healthTimeout()).isEqualByComparingTo("2.5");
            assertThat(alpha.monitoredServices()).containsExactly("vtuber-turn-server");
            assertThat(store.require("orch-beta").denylisted()).isTrue();
            assertThat(store.require("orch-gamma").address()).isEqualTo(GAMMA);
            assertThat(store.find("orch-thief")).isEmpty();
            assertThat(store.balanceWei("orch-alpha")).isEqualTo(new BigInteger("1250000000000000000"));
            assertThat(store.balanceWei("orch-gamma")).isEqualTo(new BigInteger("500000000000000000"));
            store.credit("orch-alpha", new BigInteger("10000000000000000"), "session:s1:0", "session_time", Map.of());
        }
        Run again = run("orchestrators", "import-ops", dir.resolve("ops").toString(), "--jdbc-url", url());
        assertThat(again.out()).contains("already imported").doesNotContain("| orch-thief |");
        Run reconcile = run("ledger", "reconcile", "--jdbc-url", url());
        assertThat(reconcile.code()).as(reconcile.out()).isZero();

        Run list = run("orchestrators", "list", "--jdbc-url", url());
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("| orch-alpha | " + ALPHA + " | yes |").contains("| 1.26 |");
    }

    @Test
    void register_checks_the_address_and_exits_3_on_a_conflict() {
        assertThat(run("orchestrators", "register", "orch-1", "--address", ALPHA, "--jdbc-url", url())
                        .code())
                .isZero();
        Run typo = run(
                "orchestrators",
                "register",
                "orch-2",
                "--address",
                "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                "--jdbc-url",
                url());
        assertThat(typo.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(typo.out()).contains("EIP-55");
        Run taken = run("orchestrators", "register", "orch-2", "--address", ALPHA, "--jdbc-url", url());
        assertThat(taken.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(taken.out()).contains("orch-1");
        assertThat(run("orchestrators", "import-ops", dir.resolve("nothing").toString(), "--jdbc-url", url())
                        .code())
                .isEqualTo(ExitCodes.INVALID_INPUT);
    }
}
