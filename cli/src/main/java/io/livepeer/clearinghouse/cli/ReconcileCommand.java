package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.cli.bootstrap.RemoteOptions;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.routes.reconcile.DriftReport;
import io.livepeer.clearinghouse.routes.reconcile.OpenMeterReconciliation;
import io.livepeer.clearinghouse.routes.reconcile.ReconcileMeters;
import io.livepeer.clearinghouse.routes.reconcile.Tolerance;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
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
                "Drift: missing (OpenMeter has less), extra (OpenMeter has more), double-counted (OpenMeter has"
                        + " k × ours).",
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
            try {
                OpenMeterReconciliation.requireWholeSecondPeriod(from, to);
                allowance = Tolerance.parse(tolerance);
                meters = new ReconcileMeters(countMeter, networkMeter, billableMeter);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            var client = remote.http(err);
            try (Database db = database.open()) {
                DriftReport report =
                        new OpenMeterReconciliation(new DeliveredUsage(db), client, meters, allowance).run(from, to);
                out.println(json ? report.json() : report.markdown());
                out.flush();
                return report.inSync() ? ExitCodes.OK : ExitCodes.CONFLICT;
            }
        }
    }
}
