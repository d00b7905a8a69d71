package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.OpenMeterApi;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogException;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of the bootstrap subcommands: their output streams, the connection to OpenMeter and the validated catalog.
 * A failure propagates to the launcher, which prints it and maps it to the exit-code table
 * ({@link io.livepeer.clearinghouse.cli.ExitCodes#forFailure}: invalid catalog or input 4, OpenMeter refused 5).
 */
abstract class BootstrapSubcommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** An open line to OpenMeter. */
    record Connection(OpenMeterUrl endpoint, OpenMeterClient http, OpenMeterApi api) {}

    /**
     * Connects (lazily: nothing is sent yet) and prints where to, with where the token came from.
     *
     * @param about a second header line (the catalog, the customers), may be null
     */
    Connection connect(RemoteOptions remote, String about) {
        OpenMeterUrl endpoint = remote.endpoint();
        OpenMeterClient http = remote.http(err());
        out().printf(
                        "OpenMeter %s at %s (%s)%n%s%n",
                        endpoint.dialect().name().toLowerCase(),
                        endpoint.apiRoot(),
                        remote.tokenSource(),
                        about == null ? "" : about + "\n");
        return new Connection(endpoint, http, RemoteOptions.api(endpoint.dialect(), http));
    }

    /** The command's work; returns the exit code. */
    abstract int run() throws Exception;

    /**
     * Loads and validates the catalog.
     *
     * @throws CatalogException listing every problem
     */
    static Catalog validCatalog(CatalogOption option) {
        return CatalogValidator.requireValid(option.load(), option.source());
    }
}
