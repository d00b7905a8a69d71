package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.cli.ExitCodes;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bootstrap validate}: checks the catalog offline. Exit 0 when valid, 4 with the list of problems. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = "Check the catalog offline: keys, rate card = feature keys, feature meters, COUNT meters, "
                + "prices, markup percentages. Exit 0 when valid, 4 otherwise.")
final class ValidateCommand extends BootstrapSubcommand {

    @Mixin
    CatalogOption catalog;

    @Override
    int run() {
        Catalog c = validCatalog(catalog);
        out().printf(
                        "catalog %s is valid: %d meters, %d features, %d plans, %d markup rules%s%n",
                        catalog.source(),
                        c.meters().size(),
                        c.features().size(),
                        c.plans().size(),
                        c.markupRules().size(),
                        c.defaultPlan() == null ? "" : ", default plan " + c.defaultPlan());
        return ExitCodes.OK;
    }
}
