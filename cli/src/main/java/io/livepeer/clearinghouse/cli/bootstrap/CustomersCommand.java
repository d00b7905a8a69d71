package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.CustomerSources;
import io.livepeer.clearinghouse.bootstrap.CustomerSync;
import io.livepeer.clearinghouse.cli.DatabaseOptions;
import io.livepeer.clearinghouse.cli.ExitCodes;
import io.livepeer.clearinghouse.cli.Launcher;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bootstrap customers …}. */
@Command(
        name = "customers",
        mixinStandardHelpOptions = true,
        description = "Customers in OpenMeter.",
        subcommands = CustomersCommand.Sync.class)
final class CustomersCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error that lists them. */
    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    /**
     * {@code bootstrap customers sync (FILE | --from-ledger)}: each customer exists (key = metering subject) and is
     * subscribed to the catalog's default plan. Exit 0 when every customer is in sync, 5 when some failed.
     */
    @Command(
            name = "sync",
            mixinStandardHelpOptions = true,
            description = "Ensure each customer exists (key = metering subject) with a subscription to the catalog's "
                    + "default plan: from a CSV (header: key,name,email) or JSON file, or every customer:* account "
                    + "of the ledger. Exit 0 when all are in sync, 5 when some failed.")
    static final class Sync extends BootstrapSubcommand {

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "customers file (.csv or .json)")
        Path file;

        @Option(
                names = "--from-ledger",
                description = "every customer:* account of the credit ledger " + "(implied by --jdbc-url)")
        boolean fromLedger;

        @Mixin
        DatabaseOptions database;

        @Option(
                names = "--plan",
                paramLabel = "KEY",
                description = "plan to subscribe to (default: the catalog's " + "default_plan)")
        String plan;

        @Mixin
        CatalogOption catalog;

        @Mixin
        RemoteOptions remote;

        @Override
        int run() throws Exception {
            boolean ledger = fromLedger || database.url != null;
            if ((file == null) == !ledger) {
                throw new IllegalArgumentException("give either a customers FILE or --from-ledger (--jdbc-url URL)");
            }
            Catalog c = validCatalog(catalog);
            String planKey = plan != null ? plan : c.defaultPlan();
            if (planKey == null) {
                throw new IllegalArgumentException("the catalog has no default_plan: pass --plan KEY");
            }
            List<CustomerSync.Customer> customers;
            if (ledger) {
                try (Database db = database.open()) {
                    customers = CustomerSources.fromLedger(new Ledger(db, Clock.systemUTC()));
                }
            } else {
                customers = CustomerSources.fromFile(file);
            }
            Connection remoteApi = connect(
                    remote,
                    customers.size() + " customers from " + (ledger ? "the ledger" : file) + ", plan " + planKey);
            OpenMeterClient http = remoteApi.http();
            List<CustomerSync.Result> results =
                    new CustomerSync(remoteApi.api(), out()::println).sync(customers, planKey);
            long failed = results.stream()
                    .filter(r -> r.outcome() == CustomerSync.Outcome.FAILED)
                    .count();
            long other = results.stream()
                    .filter(r -> r.outcome() == CustomerSync.Outcome.OTHER_PLAN)
                    .count();
            long changed = results.stream()
                    .filter(r -> r.outcome() == CustomerSync.Outcome.SUBSCRIBED
                            || r.outcome() == CustomerSync.Outcome.CREATED_AND_SUBSCRIBED)
                    .count();
            out().printf(
                            "%nCustomers: %d provisioned, %d already in sync, %d on another plan (left alone), "
                                    + "%d failed; %d write request%s made.%n",
                            changed,
                            results.size() - changed - other - failed,
                            other,
                            failed,
                            http.writes(),
                            http.writes() == 1 ? "" : "s");
            return failed > 0 ? ExitCodes.REMOTE_ERROR : ExitCodes.OK;
        }
    }
}
