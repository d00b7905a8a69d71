package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dead-letters …}: offline operations on dead letters. */
@Command(
        name = "dead-letters",
        mixinStandardHelpOptions = true,
        description = "Dead letter operations (meter dead-lettered records again after a fix).",
        subcommands = {DeadLettersCommand.Redrive.class})
final class DeadLettersCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error that lists them. */
    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    @Command(
            name = "redrive",
            mixinStandardHelpOptions = true,
            description = {
                "Meter dead-lettered records again, after fixing what refused them (a price, a catalog rule, a limit),"
                        + " with the application's settings, catalog and database, and mark each letter with the"
                        + " outcome: metered, duplicate (already billed: not billed again), skipped, or dead-lettered"
                        + " again with the new reason.",
                "Takes the letters whose current reason contains --reason (case-insensitive) and, with --since, that"
                        + " were dead-lettered at or after it; a letter already metered, duplicate or skipped is never"
                        + " taken again, so running twice bills nothing twice. --dry-run prints the outcomes and writes"
                        + " nothing.",
                "Exits 0 (also when nothing matches), 4 on invalid input (no price, a setting), 1 on an error, 64 on a"
                        + " bad option."
            })
    static final class Redrive implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Mixin
        MeteringOptions meteringOptions;

        @Option(
                names = "--reason",
                required = true,
                paramLabel = "TEXT",
                description = "the letter's current reason contains this text (case-insensitive), e.g. 'markup'")
        String reason;

        @Option(
                names = "--since",
                paramLabel = "INSTANT",
                description = "dead-lettered at or after this time (ISO-8601, e.g. 2026-08-20T10:00:00Z)")
        Instant since;

        @Option(names = "--dry-run", description = "only print what would happen; write nothing")
        boolean dryRun;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (reason.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--reason must not be blank");
            }
            MeteringSettings settings = MeteringOptions.settings(new Properties());
            Clock clock = Clock.systemUTC();
            OfflineMetering metering = MeteringOptions.metering(settings, meteringOptions.price(clock));
            PrintWriter out = spec.commandLine().getOut();
            try (Database db = database.open()) {
                DeadLetterRedrive.Report report = new DeadLetterRedrive(
                                db, metering, MeteringOptions.recorder(settings, db, clock), clock)
                        .run(reason, since, dryRun);
                out.println((dryRun ? "Dry run, nothing written: " : "Redriven: ") + report.summary() + ".");
                if (!report.lines.isEmpty()) {
                    out.println("| letter | record | outcome | event id | detail |");
                    out.println("|---|---|---|---|---|");
                    report.lines.forEach(l ->
                            out.println("| " + l.letterId() + " | " + l.letter().source() + " | "
                                    + (l.outcome() == null
                                            ? "taken by another redrive"
                                            : l.outcome().column()) + " | "
                                    + (l.eventId() == null ? "" : l.eventId()) + " | " + ReplayCommand.clip(l.detail())
                                    + " |"));
                    if (report.selected > report.lines.size()) {
                        out.println("… and " + (report.selected - report.lines.size()) + " more");
                    }
                }
            }
            return ExitCodes.OK;
        }
    }
}
