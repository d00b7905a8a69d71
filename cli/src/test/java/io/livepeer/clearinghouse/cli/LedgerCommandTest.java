package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./clearinghouse ledger reconcile` and `ledger import-ops`, with their exit codes. */
class LedgerCommandTest {

    static final Path OPS_SAMPLE = Path.of("..", "ledger", "src", "test", "resources", "ops-sample");

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

    @Test
    void reconcile_prints_the_report_and_exits_3_when_the_books_do_not_balance() throws Exception {
        try (Database db = Database.open(new DatabaseConfig(url(), "sa", "", 2))) {
            new UsageRecorder(
                            db,
                            new io.livepeer.clearinghouse.ledger.credit.Ledger(db, Clock.systemUTC()),
                            Clock.systemUTC())
                    .record(
                            List.of(new OutboxEntry(
                                    "e1",
                                    "c:u",
                                    "live",
                                    "unknown",
                                    Instant.now(),
                                    BigInteger.ONE,
                                    BigDecimal.ONE,
                                    BigDecimal.ONE,
                                    BigDecimal.TEN,
                                    "{}",
                                    null,
                                    null)),
                            List.of());
        }
        Run clean = run("ledger", "reconcile", "--jdbc-url", url());
        assertThat(clean.code()).as(clean.out()).isZero();
        assertThat(clean.out()).contains("# Ledger reconciliation").contains("the books balance");

        try (Database db = Database.open(new DatabaseConfig(url(), "sa", "", 2))) {
            db.withHandle(h -> h.execute("UPDATE ledger_accounts SET credits_posted = credits_posted + 5"
                    + " WHERE account_key = 'system:usage_revenue'"));
        }
        Run broken = run(
                "ledger",
                "reconcile",
                "--jdbc-url",
                url(),
                "--out",
                dir.resolve("report.md").toString());
        assertThat(broken.code()).isEqualTo(3);
        assertThat(broken.out()).contains("MISMATCHES FOUND").contains("| system:usage_revenue | USD_MICROS |");
        assertThat(dir.resolve("report.md")).content().contains("MISMATCHES FOUND");
    }

    @Test
    void import_ops_reports_differences_and_adopts_balances_when_asked() {
        Run first = run("ledger", "import-ops", OPS_SAMPLE.toString(), "--jdbc-url", url());
        assertThat(first.code()).isEqualTo(3); // refused lines and one difference with balances.json
        assertThat(first.out())
                .contains("7 journal entries, 5 transfers posted now")
                .contains("| orch-gamma | 3000000000000000000 | 3500000000000000000 | differs |");
        Run adopted = run("ledger", "import-ops", OPS_SAMPLE.toString(), "--adopt-balances", "--jdbc-url", url());
        assertThat(adopted.out())
                .contains("0 transfers posted now, 5 already imported")
                .contains("1 adjusted");
        assertThat(run("ledger", "reconcile", "--jdbc-url", url()).code()).isZero();
    }
}
