package io.livepeer.clearinghouse.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code benchmark}: listed here so that {@code ./clearinghouse --help} shows it, but run by the
 * {@code ./clearinghouse} script from the {@code benchmarks} module's own distribution
 * ({@code benchmarks/target/benchmarks.jar}): the benchmark needs embedded PostgreSQL, which neither the launcher nor
 * the application ships, and it must not be a dependency of either. Reached inside this JVM (the launcher jar run
 * directly), it says so and exits {@link ExitCodes#FAILED}.
 */
@Command(
        name = "benchmark",
        description = {
            "Measure throughput, latency and heap on this machine (from the benchmarks module).",
            "`benchmark authorize` measures the /authorize webhook. ./clearinghouse runs it from the benchmarks",
            "module, which ships embedded PostgreSQL (the launcher does not): ./clearinghouse benchmark --help",
            "for its options, docs/benchmarks.md for the figures."
        })
final class BenchmarkCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The benchmark's own options, accepted as they are and not interpreted here. */
    @CommandLine.Unmatched
    List<String> arguments;

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("error: the benchmark runs from the benchmarks module, not from the launcher"
                        + " jar: use ./clearinghouse benchmark"
                        + (arguments == null ? "" : " " + String.join(" ", arguments))
                        + " in a source checkout (see docs/benchmarks.md)");
        return ExitCodes.FAILED;
    }
}
