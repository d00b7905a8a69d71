package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.OpsImport;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ledger …}: offline operations on the credit ledger. */
@Command(
        name = "ledger",
        mixinStandardHelpOptions = true,
        description = "Credit ledger operations (reconcile the books, import the livepeer-ops backend).",
        subcommands = {LedgerCommand.Reconcile.class, LedgerCommand.ImportOps.class})
final class LedgerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error that lists them. */
    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    @Command(
            name = "reconcile",
            mixinStandardHelpOptions = true,
            description = {
                "Recompute every balance from the transfers and check that every metered event has exactly"
                        + " one usage transfer.",
                "Prints a markdown report; exits 0 when the books balance, " + ExitCodes.CONFLICT
                        + " on a mismatch, 1 on an error."
            })
    static final class Reconcile implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Option(names = "--out", paramLabel = "FILE", description = "also write the report to this file")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (Database db = database.open()) {
                Reconciliation.Report report = new Reconciliation(db, Clock.systemUTC()).run();
                spec.commandLine().getOut().println(report.markdown());
                if (out != null) {
                    Files.writeString(out, report.markdown(), StandardCharsets.UTF_8);
                }
                return report.ok() ? ExitCodes.OK : ExitCodes.CONFLICT;
            }
        }
    }

    @Command(
            name = "import-ops",
            mixinStandardHelpOptions = true,
            description = {
                "Import a livepeer-ops data directory (balances.json and audit/ledger-events.log) into"
                        + " orchestrator accounts, in wei. Idempotent.",
                "Exits 0 when the journal matches balances.json," + " " + ExitCodes.CONFLICT
                        + " when entries were refused or balances differ, 1 on an error."
            })
    static final class ImportOps implements Callable<Integer> {

        @Mixin
        OpsDirectoryOptions ops;

        @Mixin
        DatabaseOptions database;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (Database db = database.open()) {
                OpsImport.Report report = new OpsImport(new Ledger(db, Clock.systemUTC())).run(ops.dir, ops.adopt);
                spec.commandLine().getOut().println(report.markdown());
                return report.clean(ops.adopt) ? ExitCodes.OK : ExitCodes.CONFLICT;
            }
        }
    }
}
