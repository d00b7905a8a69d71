package io.livepeer.clearinghouse.routes.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scheduled reconciliation's Prometheus metrics (on {@code /observe/metrics}). The drift gauges hold the last
 * successful run's result; they are observations for alerting (Prometheus values are doubles), the exact amounts
 * are in the report ({@code ./clearinghouse reconcile openmeter}).
 *
 * <ul>
 *   <li>{@code clearinghouse_openmeter_drift_usd_micros{meter}}: sum over subjects of {@code |OpenMeter − ours|}
 *       beyond the tolerance, for the network and billable meters (0 = in sync)</li>
 *   <li>{@code clearinghouse_openmeter_drift_events{meter}}: the same for the event count</li>
 *   <li>{@code clearinghouse_openmeter_drift_subjects{drift}}: subjects per classification
 *       ({@code in-sync}, {@code missing}, {@code extra}, {@code double-counted})</li>
 *   <li>{@code clearinghouse_reconcile_runs_total{outcome}}: runs, {@code in_sync}, {@code drift} or
 *       {@code failure}</li>
 *   <li>{@code clearinghouse_reconcile_last_run_timestamp_seconds}: end of the last run, whatever its outcome</li>
 *   <li>{@code clearinghouse_reconcile_last_success_timestamp_seconds}: end of the last run that got an answer
 *       (in sync or drift)</li>
 *   <li>{@code clearinghouse_reconcile_checked_until_timestamp_seconds}: end of the period the last successful run
 *       checked</li>
 * </ul>
 */
public final class ReconcileMetrics {

    private final Map<DriftReport.Measure, AtomicReference<BigDecimal>> drift =
            new EnumMap<>(DriftReport.Measure.class);
    private final Map<DriftReport.Drift, AtomicLong> subjects = new EnumMap<>(DriftReport.Drift.class);
    private final Counter inSync;
    private final Counter drifted;
    private final Counter failed;
    private final AtomicLong lastRun = new AtomicLong();
    private final AtomicLong lastSuccess = new AtomicLong();
    private final AtomicLong checkedUntil = new AtomicLong();

    /**
     * @param registry where the meters are registered
     * @param meters   the meter keys (the {@code meter} label)
     */
    public ReconcileMetrics(MeterRegistry registry, ReconcileMeters meters) {
        for (DriftReport.Measure m : DriftReport.Measure.values()) {
            AtomicReference<BigDecimal> value = new AtomicReference<>(BigDecimal.ZERO);
            drift.put(m, value);
            Gauge.builder(
                            m == DriftReport.Measure.EVENTS
                                    ? "clearinghouse.openmeter.drift.events"
                                    : "clearinghouse.openmeter.drift.usd.micros",
                            value,
                            v -> v.get().doubleValue())
                    .tag("meter", meters.of(m))
                    .description("Sum over subjects of |OpenMeter - delivered| beyond the tolerance, last run")
                    .register(registry);
        }
        for (DriftReport.Drift d : DriftReport.Drift.values()) {
            AtomicLong value = new AtomicLong();
            subjects.put(d, value);
            Gauge.builder("clearinghouse.openmeter.drift.subjects", value, AtomicLong::get)
                    .tag("drift", d.label())
                    .description("Subjects per reconciliation classification, last run")
                    .register(registry);
        }
        inSync = runs(registry, "in_sync");
        drifted = runs(registry, "drift");
        failed = runs(registry, "failure");
        Gauge.builder("clearinghouse.reconcile.last.run.timestamp.seconds", lastRun, AtomicLong::get)
                .description("End of the last reconciliation run, Unix seconds (0 = none yet)")
                .register(registry);
        Gauge.builder("clearinghouse.reconcile.last.success.timestamp.seconds", lastSuccess, AtomicLong::get)
                .description("End of the last reconciliation run that got an answer, Unix seconds (0 = none yet)")
                .register(registry);
        Gauge.builder("clearinghouse.reconcile.checked.until.timestamp.seconds", checkedUntil, AtomicLong::get)
                .description("End of the period the last successful reconciliation checked, Unix seconds")
                .register(registry);
    }

    /** Records a run that compared both sides. */
    void compared(DriftReport report, Instant at) {
        report.driftTotals().forEach((m, v) -> drift.get(m).set(v));
        report.subjectsByDrift().forEach((d, n) -> subjects.get(d).set(n));
        (report.inSync() ? inSync : drifted).increment();
        lastRun.set(at.getEpochSecond());
        lastSuccess.set(at.getEpochSecond());
        checkedUntil.set(report.to().getEpochSecond());
    }

    /** Records a run that could not compare (database or OpenMeter unavailable, a meter missing). */
    void failed(Instant at) {
        failed.increment();
        lastRun.set(at.getEpochSecond());
    }

    private static Counter runs(MeterRegistry registry, String outcome) {
        return Counter.builder("clearinghouse.reconcile.runs")
                .tag("outcome", outcome)
                .description("Outbox-OpenMeter reconciliation runs by outcome")
                .register(registry);
    }
}
