package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.cli.Launcher;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./clearinghouse bootstrap}: provisions OpenMeter / Kong Konnect from the catalog (meters, features, plans)
 * and the customers with their subscriptions. Exit codes: {@link io.livepeer.clearinghouse.cli.ExitCodes}.
 */
@Command(
        name = "bootstrap",
        mixinStandardHelpOptions = true,
        description = {
            "Provision OpenMeter / Kong Konnect from the catalog: meters, features, plans, customers.",
            "Exit codes: 0 ok (plan: in sync), 2 plan: changes pending, 3 conflicts, 4 invalid catalog or input, "
                    + "5 OpenMeter refused or unreachable, 1 unexpected failure, 64 usage error."
        },
        subcommands = {ValidateCommand.class, PlanCommand.class, ApplyCommand.class, CustomersCommand.class})
public final class BootstrapCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error that lists them. */
    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }
}
