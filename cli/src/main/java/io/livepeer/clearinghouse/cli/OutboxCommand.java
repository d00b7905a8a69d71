package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.RejectedEvent;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.RejectedFilter;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outbox …}: offline operations on the usage outbox. */
@Command(
        name = "outbox",
        mixinStandardHelpOptions = true,
        description = "Usage outbox operations (send rejected events again).",
        subcommands = {OutboxCommand.Requeue.class})
final class OutboxCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error that lists them. */
    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    @Command(
            name = "requeue",
            mixinStandardHelpOptions = true,
            description = {
                "Move events OpenMeter rejected back to pending, so delivery sends them again (after fixing what made"
                        + " OpenMeter refuse them: a meter, a customer, a proxy).",
                "Selects rejected events by problem detail text, HTTP status and rejection time (all filters must"
                        + " match; none = every rejected event). A dry run by default: prints what would be"
                        + " requeued and changes nothing; --apply moves them.",
                "Exits 0 (also when nothing matches), 1 on an error, 64 on a bad option."
            })
    static final class Requeue implements Callable<Integer> {

        /** Rows printed; the count covers all. */
        static final int SHOWN = 50;

        @Mixin
        DatabaseOptions database;

        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                description = "the problem detail contains this text (case-insensitive)")
        String reason;

        @Option(
                names = "--status",
                paramLabel = "CODE",
                description = "OpenMeter refused them with this HTTP status (400, 413, 422)")
        Integer status;

        @Option(
                names = "--from",
                paramLabel = "INSTANT",
                description = "rejected at or after this time (ISO-8601, e.g. 2026-08-20T10:00:00Z)")
        Instant from;

        @Option(names = "--to", paramLabel = "INSTANT", description = "rejected before this time (ISO-8601)")
        Instant to;

        @CommandLine.ArgGroup(exclusive = true)
        Mode mode = new Mode();

        static final class Mode {
            @Option(names = "--dry-run", description = "only print what would be requeued (the default)")
            boolean dryRun;

            @Option(names = "--apply", description = "move the selected events back to pending")
            boolean apply;
        }

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (status != null && (status < 400 || status > 499)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--status must be an HTTP 4xx status, got " + status);
            }
            if (from != null && to != null && !from.isBefore(to)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--from must be before --to");
            }
            RejectedFilter filter = new RejectedFilter(reason, status, from, to);
            PrintWriter out = spec.commandLine().getOut();
            try (Database db = database.open()) {
                // claims are not used here: the owner and lease only satisfy the queue's constructor
                DeliveryQueue queue = new DeliveryQueue(db, "outbox-requeue", Duration.ofSeconds(1));
                if (!mode.apply) {
                    List<RejectedEvent> matching = queue.rejected(filter, Integer.MAX_VALUE);
                    out.println("Dry run: " + matching.size() + " rejected event(s) match " + describe(filter)
                            + "; nothing changed." + (matching.isEmpty() ? "" : " Run again with --apply to requeue."));
                    print(out, matching);
                    return ExitCodes.OK;
                }
                List<RejectedEvent> moved =
                        queue.requeue(filter, Clock.systemUTC().instant());
                out.println("Requeued " + moved.size() + " rejected event(s) matching " + describe(filter)
                        + ": they are pending and go out on the next delivery pass.");
                print(out, moved);
                return ExitCodes.OK;
            }
        }

        private static String describe(RejectedFilter f) {
            StringBuilder text = new StringBuilder();
            if (f.reason() != null) {
                text.append(" reason~'").append(f.reason()).append('\'');
            }
            if (f.httpStatus() != null) {
                text.append(" status=").append(f.httpStatus());
            }
            if (f.from() != null) {
                text.append(" from=").append(f.from());
            }
            if (f.to() != null) {
                text.append(" to=").append(f.to());
            }
            return text.isEmpty() ? "(no filter: all)" : "(" + text.toString().trim() + ")";
        }

        private static void print(PrintWriter out, List<RejectedEvent> events) {
            if (events.isEmpty()) {
                return;
            }
            out.println("| seq | event id | subject | rejected at | attempts | detail |");
            out.println("|---|---|---|---|---|---|");
            events.stream()
                    .limit(SHOWN)
                    .forEach(e -> out.println("| " + e.seq() + " | " + e.eventId() + " | " + e.subject() + " | "
                            + e.rejectedAt() + " | " + e.attempts() + " | " + clip(e.detail()) + " |"));
            if (events.size() > SHOWN) {
                out.println("… and " + (events.size() - SHOWN) + " more");
            }
        }

        private static String clip(String detail) {
            String oneLine =
                    detail == null ? "" : detail.replaceAll("\\s+", " ").replace("|", "\\|");
            return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "…";
        }
    }
}
