package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.Reconciler;
import io.livepeer.clearinghouse.cli.ExitCodes;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bootstrap apply}: makes OpenMeter match the catalog. Exit 0 done, 3 when conflicts remain, 5 refused. */
@Command(
        name = "apply",
        mixinStandardHelpOptions = true,
        description = "Create what is missing, update what may be updated, publish plans. "
                + "Exit 0 when done, 3 when conflicts remain (everything else is applied), 5 when OpenMeter refuses.")
final class ApplyCommand extends BootstrapSubcommand {

    @Mixin
    CatalogOption catalog;

    @Mixin
    RemoteOptions remote;

    @Option(
            names = "--prune",
            description = "archive plans and features, and delete meters, that carry the "
                    + "bootstrap's managed_by marker but are no longer in the catalog")
    boolean prune;

    @Override
    int run() {
        Catalog c = validCatalog(catalog);
        Connection remoteApi = connect(remote, "catalog " + catalog.source());
        Reconciler.Report report = new Reconciler(remoteApi.api(), c, out()::println).apply(prune, remoteApi.http());
        out().println();
        Reports.print(out(), report, true);
        return report.conflicts() ? ExitCodes.CONFLICT : ExitCodes.OK;
    }
}
