package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./clearinghouse spend pause|resume|pauses`: the kill switch on the database every instance reads, audited. */
class SpendCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void pauses_and_resumes_one_client_with_a_reason_and_the_audit_names_the_cli() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        Run paused = run("spend", "pause", "--jdbc-url", url, "--client", "acme", "--reason", "incident 42");
        assertThat(paused.code()).as(paused.err()).isZero();
        assertThat(paused.out()).contains("paused client acme").contains("incident 42");

        Run list = run("spend", "pauses", "--jdbc-url", url);
        assertThat(list.out()).contains("client acme").contains("incident 42").contains("cli:");

        assertThat(run("spend", "resume", "--jdbc-url", url, "--client", "acme", "--reason", "fixed")
                        .code())
                .isZero();
        Run again = run("spend", "resume", "--jdbc-url", url, "--client", "acme");
        assertThat(again.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(again.err()).contains("no active pause for client acme");

        try (Database db = Database.open(new DatabaseConfig(url, "sa", "", 2))) {
            SpendStore store = new SpendStore(db, new Ledger(db, Clock.systemUTC()), Clock.systemUTC());
            assertThat(store.activePauses()).isEmpty();
            assertThat(store.audit(10))
                    .extracting(
                            a -> a.action() + " " + a.target() + " " + a.actor().startsWith("cli:"))
                    .containsExactly("RESUME acme true", "PAUSE acme true");
        }
    }

    @Test
    void a_pause_needs_exactly_one_scope_and_a_reason() {
        String url = "jdbc:h2:file:" + dir.resolve("db2").toAbsolutePath();
        Run noReason = run("spend", "pause", "--jdbc-url", url, "--all");
        assertThat(noReason.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noReason.err()).contains("--reason is required");
        Run two = run("spend", "pause", "--jdbc-url", url, "--all", "--client", "acme", "--reason", "x");
        assertThat(two.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(two.err()).contains("exactly one of --all, --client ID, --customer KEY");
        assertThat(run("spend").code()).isEqualTo(ExitCodes.USAGE);
    }
}
