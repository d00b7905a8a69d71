package io.livepeer.clearinghouse.routes.reconcile;

import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.openmeter.ApiProblem;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Outbox ↔ OpenMeter reconciliation (the third of the three checks in {@code docs/operations.md}): for every subject,
 * our delivered totals over a period ({@link DeliveredUsage}: events, {@code network_fee_usd_micros},
 * {@code billable_usd_micros}) against OpenMeter's meter query results for the same period, through the one
 * {@link OpenMeterClient} (either dialect). Read-only on both sides: safe to run anywhere, any time, on any number of
 * instances.
 *
 * <p><b>Period.</b> {@code [from, to)} by usage time (the CloudEvent {@code time}), in whole seconds because
 * OpenMeter stores event times to the second. An event delivered after the check (still pending) is not ours yet
 * and not OpenMeter's either; an event delivered just before the check may not be queryable yet (OpenMeter
 * processes ingested events asynchronously, seconds). Check periods that ended a while ago (the scheduled check
 * ends its period {@code settle} before now).
 */
public final class OpenMeterReconciliation {

    private final DeliveredUsage outbox;
    private final OpenMeterClient openmeter;
    private final ReconcileMeters meters;
    private final Tolerance tolerance;

    /**
     * @param outbox    our delivered totals
     * @param openmeter the OpenMeter client (its URL decides the dialect)
     * @param meters    the meters to compare with
     * @param tolerance allowance for amounts
     */
    public OpenMeterReconciliation(
            DeliveredUsage outbox, OpenMeterClient openmeter, ReconcileMeters meters, Tolerance tolerance) {
        this.outbox = outbox;
        this.openmeter = openmeter;
        this.meters = meters;
        this.tolerance = tolerance;
    }

    /**
     * Checks that a period can be compared: {@code from < to}, both whole seconds.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static void requireWholeSecondPeriod(Instant from, Instant to) {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new IllegalArgumentException("the period needs --from before --to");
        }
        if (from.getNano() != 0 || to.getNano() != 0) {
            throw new IllegalArgumentException("--from and --to must be whole seconds (OpenMeter keeps event times"
                    + " to the second), got " + from + " and " + to);
        }
    }

    /**
     * Runs the comparison.
     *
     * @throws IllegalArgumentException for a period that is not whole seconds or empty
     * @throws SQLException             when the database cannot be read
     * @throws ApiProblem               when OpenMeter refuses a query (e.g. 404: the meter does not exist) or stays
     *                                  unreachable
     */
    public DriftReport run(Instant from, Instant to) throws SQLException {
        requireWholeSecondPeriod(from, to);
        List<DeliveredUsage.SubjectTotals> ours = outbox.bySubject(from, to);
        Map<DriftReport.Measure, Map<String, BigDecimal>> theirs = new EnumMap<>(DriftReport.Measure.class);
        for (DriftReport.Measure measure : DriftReport.Measure.values()) {
            theirs.put(
                    measure,
                    openmeter.queryMeterBySubject(meters.of(measure), from, to).bySubject());
        }
        Map<String, DeliveredUsage.SubjectTotals> oursBySubject = new TreeMap<>();
        ours.forEach(t -> oursBySubject.put(t.subject(), t));
        TreeSet<String> subjects = new TreeSet<>(oursBySubject.keySet());
        theirs.values().forEach(m -> subjects.addAll(m.keySet()));

        List<DriftReport.SubjectDrift> rows = new ArrayList<>();
        for (String subject : subjects) {
            DeliveredUsage.SubjectTotals mine = oursBySubject.getOrDefault(
                    subject, new DeliveredUsage.SubjectTotals(subject, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0, 0));
            List<DriftReport.Comparison> comparisons = new ArrayList<>();
            for (DriftReport.Measure measure : DriftReport.Measure.values()) {
                BigDecimal our = switch (measure) {
                    case EVENTS -> BigDecimal.valueOf(mine.events());
                    case NETWORK_USD_MICROS -> mine.networkMicros();
                    case BILLABLE_USD_MICROS -> mine.billableMicros();
                };
                BigDecimal their = theirs.get(measure).getOrDefault(subject, BigDecimal.ZERO);
                comparisons.add(DriftReport.compare(measure, meters.of(measure), our, their, tolerance));
            }
            rows.add(new DriftReport.SubjectDrift(subject, mine.pending(), mine.rejected(), comparisons));
        }
        return new DriftReport(from, to, openmeter.dialect().label(), meters, tolerance, rows);
    }
}
