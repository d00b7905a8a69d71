package io.livepeer.clearinghouse.routes.reconcile;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduled reconciliation run: the period {@code [now − settle − window, now − settle)} in whole seconds,
 * compared by {@link OpenMeterReconciliation}; the result goes to {@link ReconcileMetrics} and the log (a warning
 * with the drifted subjects, at most 20, when not in sync). A failed run is logged and counted; the next tick tries
 * again. Read-only: every instance may run it (each reports the same drift; alert on {@code max}).
 */
public final class ReconcileJob {

    private static final Logger LOG = LoggerFactory.getLogger(ReconcileJob.class);

    private final OpenMeterReconciliation reconciliation;
    private final ReconcileSettings settings;
    private final ReconcileMetrics metrics;
    private final Clock clock;

    /**
     * @param reconciliation the comparison
     * @param settings       window and settle time
     * @param metrics        where results go
     * @param clock          clock
     */
    public ReconcileJob(
            OpenMeterReconciliation reconciliation, ReconcileSettings settings, ReconcileMetrics metrics, Clock clock) {
        this.reconciliation = reconciliation;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Runs once.
     *
     * @return the report, or null when the run failed
     */
    public DriftReport run() {
        Instant to = clock.instant().minus(settings.settle()).truncatedTo(ChronoUnit.SECONDS);
        Instant from = to.minus(settings.window());
        try {
            DriftReport report = reconciliation.run(from, to);
            metrics.compared(report, clock.instant());
            if (report.inSync()) {
                LOG.info(
                        "Outbox and OpenMeter in sync for {} subject(s), {} to {}",
                        report.subjects().size(),
                        from,
                        to);
            } else {
                StringBuilder subjects = new StringBuilder();
                report.drifted().stream()
                        .limit(20)
                        .forEach(s -> subjects.append(subjects.isEmpty() ? "" : ", ")
                                .append(s.subject())
                                .append(" (")
                                .append(s.drift().label())
                                .append(')'));
                LOG.warn(
                        "Outbox and OpenMeter drift, {} to {}: {} subject(s) beyond the tolerance: {}. Run"
                                + " ./clearinghouse reconcile openmeter --from {} --to {}{} for the report",
                        from,
                        to,
                        report.drifted().size(),
                        subjects,
                        from,
                        to,
                        settings.windowSize()
                                .map(w -> " --window-size " + w.name())
                                .orElse(""));
            }
            return report;
        } catch (Exception e) {
            metrics.failed(clock.instant());
            LOG.warn(
                    "Outbox-OpenMeter reconciliation failed, will try again in {}: {}",
                    settings.interval(),
                    e.getMessage());
            return null;
        }
    }
}
