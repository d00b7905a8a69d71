package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One exit-code table: a usage error is 64 whichever command it concerns, and `--help` prints the table. */
class ExitCodesTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ledger --no-such-option",
                "ledger reconcile --no-such-option",
                "ledger import-ops",
                "ledger",
                "outbox",
                "outbox requeue --no-such-option",
                "bootstrap plan --no-such-option",
                "bootstrap plan --timeout soon",
                "bootstrap customers",
                "bootstrap",
                "replay",
                "replay --rate fast samples/signer-events.jsonl",
                "dev --kafka-port many",
                "run --no-such-option",
                "no-such-command",
                ""
            })
    void a_usage_error_exits_64_from_every_command(String commandLine) {
        Run run = run(commandLine.isEmpty() ? new String[0] : commandLine.split(" "));
        assertThat(run.code())
                .as(commandLine + ": " + run.err())
                .isEqualTo(ExitCodes.USAGE)
                .isEqualTo(64);
        assertThat(run.err())
                .as("the error, with the usage or a suggestion, goes to stderr")
                .containsAnyOf("Usage: clearinghouse", "Did you mean");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void help_prints_the_exit_code_table_and_exits_0() {
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out())
                .contains("Exit codes:")
                .containsPattern("\\s0\\s+success")
                .containsPattern("\\s2\\s+bootstrap plan: changes pending")
                .containsPattern("\\s3\\s+conflict")
                .containsPattern("\\s4\\s+invalid or missing input")
                .containsPattern("\\s5\\s+OpenMeter refused")
                .containsPattern("\\s64\\s+usage error");
        assertThat(run("ledger", "--help").code()).isZero();
        assertThat(run("bootstrap", "plan", "--help").code()).isZero();
    }

    @Test
    void failures_map_to_the_table() {
        assertThat(ExitCodes.forFailure(new IllegalArgumentException("no such file")))
                .isEqualTo(4);
        assertThat(ExitCodes.forFailure(new io.livepeer.clearinghouse.processors.catalog.CatalogException("bad")))
                .isEqualTo(4);
        assertThat(ExitCodes.forFailure(new IllegalStateException("broker down")))
                .isEqualTo(1);
    }

    @Test
    void the_benchmark_is_listed_but_runs_from_its_own_module() {
        Run bench = run("benchmark", "--events", "10");
        assertThat(bench.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(bench.err())
                .contains("./clearinghouse benchmark --events 10")
                .contains("benchmarks module");
    }
}
