package io.livepeer.clearinghouse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.cli.bootstrap.RemoteOptions;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.openmeter.WindowSize;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.reconcile.DriftReport;
import io.livepeer.clearinghouse.routes.reconcile.OpenMeterReconciliation;
import io.livepeer.clearinghouse.routes.reconcile.ReconcileMeters;
import io.livepeer.clearinghouse.routes.reconcile.ReconcileSettings;
import io.livepeer.clearinghouse.routes.reconcile.Tolerance;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code reconcile …}: comparisons of our records with the outside world. {@code reconcile openmeter} compares the
 * outbox with OpenMeter; the ledger's own check (ledger ↔ outbox) stays {@code ledger reconcile}, beside the other
 * ledger operations. The three checks together are described in {@code docs/operations.md}.
 */
@Command(
        name = "reconcile",
        mixinStandardHelpOptions = true,
        description = "Reconcile our records with the outside world (outbox ↔ OpenMeter). The ledger's books:"
                + " `ledger reconcile`.",
        subcommands = {ReconcileCommand.OpenMeter.class})
final class ReconcileCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error that lists them. */
    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    @Command(
            name = "openmeter",
            mixinStandardHelpOptions = true,
            description = {
                "Compare, per subject (customer key), the events delivered to OpenMeter over [--from, --to) (usage"
                        + " time) with OpenMeter's meter query results: event count, network_fee_usd_micros,"
                        + " billable_usd_micros. Only delivered events count (pending and rejected ones are listed"
                        + " apart). Both dialects (v1 self-hosted, v3 / Konnect). Read-only.",
                "Drift: missing (OpenMeter has less), extra (OpenMeter holds events we never delivered),"
                        + " double-counted (OpenMeter counted events of ours more than once). Where OpenMeter has more,"
                        + " its events of the subject and window are listed to tell the two apart by event id (bounded:"
                        + " --listing-windows, --listing-pages); when the listing is truncated or refused, OpenMeter"
                        + " ≈ k × ours is double-counted, anything else more is extra, and the report says so.",
                "--window-size HOUR (MINUTE, DAY) compares per subject and UTC window, to locate drift in time.",
                "--resend-missing lists the delivered events of the subjects with missing usage; with --apply they"
                        + " are queued for delivery again (OpenMeter deduplicates by CloudEvent source and id;"
                        + " self-hosted only with dedupe.enabled: confirm with --openmeter-dedupes).",
                "Exits 0 when in sync, " + ExitCodes.CONFLICT + " on drift beyond the tolerance, "
                        + ExitCodes.INVALID_INPUT + " for a missing URL or token file, " + ExitCodes.REMOTE_ERROR
                        + " when OpenMeter refuses a query or stays unreachable, 1 on an error, "
                        + ExitCodes.USAGE + " on a bad option."
            })
    static final class OpenMeter implements Callable<Integer> {

        @Option(
                names = "--from",
                required = true,
                paramLabel = "INSTANT",
                description = "start of the period, inclusive, whole seconds (ISO-8601, e.g. 2026-08-20T00:00:00Z)")
        Instant from;

        @Option(
                names = "--to",
                required = true,
                paramLabel = "INSTANT",
                description = "end of the period, exclusive, whole seconds (ISO-8601)")
        Instant to;

        @Option(
                names = "--tolerance",
                paramLabel = "MICROS|PCT%",
                defaultValue = "1",
                split = ",",
                description = "allowed difference of amounts: USD micros (1) and/or a share of ours (0.01%);"
                        + " repeatable, the larger allowance wins; event counts are exact (default: ${DEFAULT-VALUE})")
        List<String> tolerance;

        @Option(names = "--json", description = "print the report as JSON (every subject) instead of a table")
        boolean json;

        @Option(
                names = "--window-size",
                paramLabel = "PERIOD|MINUTE|HOUR|DAY",
                defaultValue = "PERIOD",
                description = "compare per subject and time window (UTC; OpenMeter's windowSize / granularity), with a"
                        + " total line per subject; PERIOD: one window = the period (default: ${DEFAULT-VALUE})")
        String windowSize;

        @Option(
                names = "--listing-windows",
                paramLabel = "N",
                defaultValue = "20",
                description = "where OpenMeter has more, list its events to tell double-counted from extra, for at"
                        + " most N subject-windows (0: never, classify from the totals; default: ${DEFAULT-VALUE})")
        int listingWindows;

        @Option(
                names = "--listing-pages",
                paramLabel = "N",
                defaultValue = "10",
                description = "at most N requests of 100 events per listed window (v3 / Konnect pages; v1 lists one"
                        + " page of at most 100; default: ${DEFAULT-VALUE})")
        int listingPages;

        @Option(
                names = "--count-meter",
                paramLabel = "KEY",
                defaultValue = "signed_ticket_count",
                description = "COUNT meter of create_signed_ticket events (default: ${DEFAULT-VALUE})")
        String countMeter;

        @Option(
                names = "--network-meter",
                paramLabel = "KEY",
                defaultValue = "network_fee_usd_micros",
                description = "SUM meter of $.network_fee_usd_micros (default: ${DEFAULT-VALUE})")
        String networkMeter;

        @Option(
                names = "--billable-meter",
                paramLabel = "KEY",
                defaultValue = "billable_usd_micros",
                description = "SUM meter of $.billable_usd_micros (default: ${DEFAULT-VALUE})")
        String billableMeter;

        @Option(
                names = "--resend-missing",
                description = "for each subject with missing usage, queue its events delivered in the period for"
                        + " delivery again (OpenMeter deduplicates by CloudEvent source and id, so what it already"
                        + " counted is dropped); a dry run that only lists them unless --apply is given")
        boolean resendMissing;

        @Option(
                names = "--apply",
                description = "with --resend-missing: queue the events (the running application delivers them)")
        boolean apply;

        @Option(
                names = "--openmeter-dedupes",
                description =
                        "with --resend-missing --apply on self-hosted OpenMeter (v1): confirm that it deduplicates"
                                + " (dedupe.enabled, off by default); without it a resend would count events twice")
        boolean openmeterDedupes;

        @Mixin
        DatabaseOptions database;

        @Mixin
        RemoteOptions remote;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Tolerance allowance;
            ReconcileMeters meters;
            Optional<WindowSize> windows;
            OpenMeterReconciliation.ListingLimits limits;
            try {
                OpenMeterReconciliation.requireWholeSecondPeriod(from, to);
                allowance = Tolerance.parse(tolerance);
                meters = new ReconcileMeters(countMeter, networkMeter, billableMeter);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            try {
                windows = ReconcileSettings.windowSize(windowSize);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--window-size " + e.getMessage());
            }
            try {
                limits = new OpenMeterReconciliation.ListingLimits(listingWindows, listingPages);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--listing-windows / --listing-pages: " + e.getMessage());
            }
            if (apply && !resendMissing) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--apply goes with --resend-missing");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            var client = remote.http(err);
            if (resendMissing && apply && client.dialect() == Dialect.V1 && !openmeterDedupes) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--resend-missing --apply to self-hosted OpenMeter (v1) needs --openmeter-dedupes: it"
                                + " deduplicates only with dedupe.enabled (off by default), and re-sending events it"
                                + " already counted would count them twice");
            }
            try (Database db = database.open()) {
                DriftReport report = new OpenMeterReconciliation(
                                new DeliveredUsage(db), client, meters, allowance, windows, limits)
                        .run(from, to);
                List<DeliveryQueue.Resendable> resend = resendMissing ? resend(db, report) : List.of();
                if (json) {
                    ObjectNode root = (ObjectNode) Json.mapper().readTree(report.json());
                    if (resendMissing) {
                        ObjectNode node = root.putObject("resend_missing").put("applied", apply);
                        ArrayNode subjects = node.putArray("subjects");
                        for (DeliveryQueue.Resendable r : resend) {
                            subjects.addObject()
                                    .put("subject", r.subject())
                                    .put("delivered_events", r.delivered())
                                    .put("queued_again", r.resendable())
                                    .put("without_payload", r.withoutPayload());
                        }
                    }
                    out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
                } else {
                    out.println(report.markdown());
                    if (resendMissing) {
                        out.println(resendSummary(resend));
                    }
                }
                out.flush();
                return report.inSync() ? ExitCodes.OK : ExitCodes.CONFLICT;
            }
        }

        /** The subjects with missing usage, their delivered events of the period, queued again with --apply. */
        private List<DeliveryQueue.Resendable> resend(Database db, DriftReport report) throws java.sql.SQLException {
            DeliveryQueue queue = new DeliveryQueue(db, "reconcile-resend", java.time.Duration.ofMinutes(1));
            List<DeliveryQueue.Resendable> found = new java.util.ArrayList<>();
            for (DriftReport.SubjectDrift subject : report.drifted()) {
                if (subject.comparisons().stream().noneMatch(c -> c.drift() == DriftReport.Drift.MISSING)
                        && subject.windows().stream()
                                .flatMap(w -> w.comparisons().stream())
                                .noneMatch(c -> c.drift() == DriftReport.Drift.MISSING)) {
                    continue;
                }
                DeliveryQueue.Resendable r = queue.resendable(subject.subject(), from, to);
                if (apply) {
                    int queued = queue.resend(
                            subject.subject(),
                            from,
                            to,
                            "queued again by reconcile openmeter --resend-missing: OpenMeter had less usage for "
                                    + subject.subject() + " in [" + from + ", " + to + ")",
                            java.time.Instant.now());
                    r = new DeliveryQueue.Resendable(r.subject(), r.delivered(), r.delivered() - queued);
                }
                found.add(r);
            }
            return found;
        }

        private String resendSummary(List<DeliveryQueue.Resendable> resend) {
            long events = resend.stream()
                    .mapToLong(DeliveryQueue.Resendable::resendable)
                    .sum();
            long lost = resend.stream()
                    .mapToLong(DeliveryQueue.Resendable::withoutPayload)
                    .sum();
            StringBuilder s = new StringBuilder("\n## Resend missing usage")
                    .append(apply ? "" : " (dry run: --apply queues them)")
                    .append("\n\n")
                    .append(events)
                    .append(" delivered event(s) of ")
                    .append(resend.size())
                    .append(" subject(s) with missing usage ")
                    .append(apply ? "queued" : "would be queued")
                    .append(" for delivery again (OpenMeter drops the ones it already counted by source and id)");
            if (lost > 0) {
                s.append("; ").append(lost).append(" cannot be (their CloudEvent was removed by retention)");
            }
            s.append(".\n");
            for (DeliveryQueue.Resendable r : resend) {
                s.append("- ")
                        .append(r.subject().isEmpty() ? "(none)" : r.subject())
                        .append(": ")
                        .append(r.resendable())
                        .append(" of ")
                        .append(r.delivered())
                        .append(" delivered event(s)\n");
            }
            return s.toString();
        }
    }
}
