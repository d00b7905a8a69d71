package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.Reconciler;
import io.livepeer.clearinghouse.cli.ExitCodes;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bootstrap plan}: the difference between the catalog and OpenMeter, without changing anything. Exit 0 in
 * sync, 2 when changes are pending, 3 on conflicts.
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = "Show what apply would create, update, keep or prune. Changes nothing. "
                + "Exit 0 when in sync, 2 when changes are pending, 3 on conflicts.")
final class PlanCommand extends BootstrapSubcommand {

    @Mixin
    CatalogOption catalog;

    @Mixin
    RemoteOptions remote;

    @Option(names = "--prune", description = "count managed objects removed from the catalog as changes")
    boolean prune;

    @Override
    int run() {
        Catalog c = validCatalog(catalog);
        Connection remoteApi = connect(remote, "catalog " + catalog.source());
        Reconciler.Report report = new Reconciler(remoteApi.api(), c, out()::println).plan(prune);
        Reports.print(out(), report, false);
        if (report.conflicts()) {
            return ExitCodes.CONFLICT;
        }
        return report.pending() ? ExitCodes.CHANGES_PENDING : ExitCodes.OK;
    }
}
