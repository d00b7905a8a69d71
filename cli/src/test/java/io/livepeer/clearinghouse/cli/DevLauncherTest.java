package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, `./clearinghouse dev`, on the shipped samples (with --once so it returns). */
class DevLauncherTest {

    static final Path SAMPLES = Path.of("..", "samples", "signer-events.jsonl");

    @TempDir
    Path dataDir;

    record Run(int exitCode, String out, String err) {}

    Run dev(String... extra) throws IOException {
        int kafka = freePort();
        String[] base = {
            "dev",
            "--once",
            "--data-dir",
            dataDir.toString(),
            "--samples",
            SAMPLES.toString(),
            "--kafka-port",
            String.valueOf(kafka),
            "--http-port",
            String.valueOf(freePort()),
            "--management-port",
            String.valueOf(freePort())
        };
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void the_dev_run_meters_the_samples_and_prints_the_usage_summary() throws IOException {
        Run first = dev();
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out())
                .contains("Replayed 21 sample record(s)")
                .contains("consumed 21 | metered 9 | duplicate 1 | skipped 4 | dead-lettered 7")
                .contains("outbox: pending 9, delivered 0, rejected 0 | delivery disabled")
                .contains("Usage summary")
                .containsPattern("demo-client:demo-user\\s+live-video-to-video\\s+3\\s+3005118.999429\\s+"
                        + "3455886.84934335\\s+1001706333143000\\s+3 pending")
                .containsPattern("acme:alice\\s+live-video-to-video\\s+1\\s+27021597.764222979\\s+")
                .containsPattern("2e51154b-d296-4015-990c-02d5f16ecf1e\\s+live\\s+2\\s+2070000\\s+2070000")
                .containsPattern("7d0c9f3e-1111-4222-8333-944455556666\\s+live\\s+1")
                .containsPattern("TOTAL\\s+9\\s+")
                .contains("Dead letters: 7")
                .contains("computed_fee is negative: -5")
                .contains("Customer balances")
                .containsPattern("customer:acme:alice\\s+-34074837.42885642585\\s+0\\s+34074837.42885642585")
                .contains("Admin token for this dev run")
                .contains("(the books: balanced)")
                .contains("Delivery to OpenMeter: disabled")
                .contains("ETH/USD price: 3000 (static)")
                .contains("Registered 2 sample orchestrator(s)")
                .contains("| orch-sample-2 | 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359 | yes | - |")
                .contains("/api/orchestrators")
                .contains("Payouts (dry run: nothing is sent): 0 payout(s), 0 wei, plan hash ");

        Run second = dev();
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out())
                .contains("Samples already replayed")
                .containsPattern("TOTAL\\s+9\\s+")
                .contains("Dead letters: 7");
    }

    @Test
    void help_lists_the_commands() {
        StringWriter out = new StringWriter();
        assertThat(Launcher.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter()), "--help"))
                .isZero();
        assertThat(out.toString()).contains("dev", "run", "replay", "ledger", "bootstrap", "benchmark");
    }

    @Test
    void a_usage_error_exits_64_and_a_missing_file_exits_4() {
        StringWriter err = new StringWriter();
        assertThat(Launcher.execute(
                        new PrintWriter(new StringWriter()), new PrintWriter(err, true), "dev", "--kafka-port", "many"))
                .isEqualTo(ExitCodes.USAGE)
                .isEqualTo(64);
        assertThat(err.toString()).contains("--kafka-port");
        StringWriter err2 = new StringWriter();
        assertThat(Launcher.execute(
                        new PrintWriter(new StringWriter()),
                        new PrintWriter(err2, true),
                        "replay",
                        "no-such-file.jsonl"))
                .isEqualTo(ExitCodes.INVALID_INPUT)
                .isEqualTo(4);
        assertThat(err2.toString()).contains("no such file: no-such-file.jsonl");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
