package io.livepeer.clearinghouse.cli.bootstrap;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./clearinghouse bootstrap}: provisions OpenMeter / Kong Konnect from the catalog (meters, features, plans)
 * and the customers with their subscriptions. Exit codes: {@link ExitCodes}.
 */
@Command(name = "bootstrap", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.USAGE,
        description = {"Provision OpenMeter / Kong Konnect from the catalog: meters, features, plans, customers.",
                "Exit codes: 0 ok (plan: in sync), 2 plan: changes pending, 3 conflicts, 4 invalid catalog or input, "
                        + "5 OpenMeter refused or unreachable, 64 usage error."},
        subcommands = {ValidateCommand.class, PlanCommand.class, ApplyCommand.class, CustomersCommand.class})
public final class BootstrapCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the bootstrap on its own (without the launcher). */
    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs a bootstrap command line and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new BootstrapCommand()).setOut(out).setErr(err).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
