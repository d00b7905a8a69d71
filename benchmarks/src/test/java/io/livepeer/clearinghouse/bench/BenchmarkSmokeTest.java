package io.livepeer.clearinghouse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Keeps the benchmark runnable: a tiny run end to end (figures are not asserted: that is what the benchmark is for). */
class BenchmarkSmokeTest {

    @Test
    void a_small_benchmark_run_measures_every_figure(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        Path report = dir.resolve("report.md");
        int code = new CommandLine(new Benchmark())
                .setOut(new PrintWriter(out, true))
                .execute(
                        "--events",
                        "2000",
                        "--databases",
                        "h2",
                        "--rate",
                        "200",
                        "--latency-seconds",
                        "3",
                        "--hot-account-transfers",
                        "80",
                        "--out",
                        report.toString());
        assertThat(code).as(out.toString()).isZero();
        assertThat(Files.readString(report))
                .contains("raw Kafka consume (ceiling)")
                .contains("pipeline to HTTP sink, h2, ledger fan-out on")
                .contains("pipeline to HTTP sink, h2, ledger fan-out off")
                .contains("cost of the ledger fan-out, h2")
                .contains("single hot account, h2")
                .contains("end-to-end latency p99")
                .contains("peak heap")
                .contains("| ledger fan-out cost, H2 <= 30 % |")
                .contains("| metering throughput with gap tracking on, h2 (reported, no threshold) |")
                .contains("| pipeline, PostgreSQL, fan-out on >= 12,000 events/s | not measured in this run |");
    }
}
