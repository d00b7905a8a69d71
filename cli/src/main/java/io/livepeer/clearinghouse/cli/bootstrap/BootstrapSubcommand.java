package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.ApiProblem;
import io.livepeer.clearinghouse.bootstrap.Dialect;
import io.livepeer.clearinghouse.bootstrap.OpenMeterApi;
import io.livepeer.clearinghouse.bootstrap.OpenMeterHttp;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogException;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of the bootstrap subcommands: maps failures to the documented exit codes ({@link ExitCodes}) with a readable
 * message, whichever command line hosts them ({@code ./clearinghouse bootstrap} or the module's own main).
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
    public final Integer call() {
        try {
            return run();
        } catch (CatalogException e) {
            err().println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        } catch (ApiProblem e) {
            err().println("error: " + e.getMessage());
            return ExitCodes.REMOTE_ERROR;
        } catch (IllegalArgumentException e) {
            err().println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        } catch (Exception e) {
            err().println("error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return ExitCodes.FAILED;
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** An open line to OpenMeter. */
    record Connection(Dialect.Endpoint endpoint, OpenMeterHttp http, OpenMeterApi api) {
    }

    /**
     * Connects (lazily: nothing is sent yet) and prints where to, with where the token came from.
     *
     * @param about a second header line (the catalog, the customers), may be null
     */
    Connection connect(RemoteOptions remote, String about) {
        Dialect.Endpoint endpoint = remote.endpoint();
        OpenMeterHttp http = remote.http(err());
        out().printf("OpenMeter %s at %s (%s)%n%s%n", endpoint.dialect().name().toLowerCase(), endpoint.apiRoot(),
                remote.tokenSource(), about == null ? "" : about + "\n");
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
