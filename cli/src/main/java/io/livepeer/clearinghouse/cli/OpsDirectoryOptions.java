package io.livepeer.clearinghouse.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options of both livepeer-ops imports ({@code ledger import-ops}, {@code orchestrators import-ops}). */
final class OpsDirectoryOptions {

    @Parameters(index = "0", paramLabel = "DIR", description = "the livepeer-ops data directory")
    Path dir;

    @Option(
            names = "--adopt-balances",
            description = "post adjustments so orchestrators whose balances.json differs from the journal end at"
                    + " the balances.json value")
    boolean adopt;
}
