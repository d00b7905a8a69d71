package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * What the outbox says was delivered to OpenMeter over a period, per subject: the local side of the outbox ↔
 * OpenMeter reconciliation. Read-only.
 *
 * <p>An event counts when its <b>usage time</b> ({@code event_time}, the CloudEvent {@code time}) lies in
 * {@code [from, to)} and it is <b>delivered</b> (neither pending in {@code outbox_pending} nor refused in
 * {@code outbox_rejected}); when it was delivered does not matter. Pending and rejected events of the period are
 * counted separately, so a report can say what is still on its way. OpenMeter keeps event times to the second:
 * with whole-second bounds, {@code event_time >= from AND event_time < to} selects the same events as OpenMeter's
 * truncated times do.
 */
public final class DeliveredUsage {

    private final Database database;

    public DeliveredUsage(Database database) {
        this.database = database;
    }

    /**
     * Totals per subject over {@code [from, to)} by usage time, ordered by subject. Subjects with only pending or
     * rejected events appear with zero delivered totals.
     */
    public List<SubjectTotals> bySubject(Instant from, Instant to) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT o.subject,"
                        + " SUM(CASE WHEN p.seq IS NULL AND r.seq IS NULL THEN 1 ELSE 0 END) AS delivered,"
                        + " SUM(CASE WHEN p.seq IS NULL AND r.seq IS NULL THEN o.network_usd_micros ELSE 0 END)"
                        + " AS network_usd_micros,"
                        + " SUM(CASE WHEN p.seq IS NULL AND r.seq IS NULL THEN o.billable_usd_micros ELSE 0 END)"
                        + " AS billable_usd_micros,"
                        + " SUM(CASE WHEN p.seq IS NOT NULL THEN 1 ELSE 0 END) AS pending,"
                        + " SUM(CASE WHEN r.seq IS NOT NULL THEN 1 ELSE 0 END) AS rejected"
                        + " FROM outbox_events o"
                        + " LEFT JOIN outbox_pending p ON p.seq = o.seq LEFT JOIN outbox_rejected r ON r.seq = o.seq"
                        + " WHERE o.event_time >= :from AND o.event_time < :to"
                        + " GROUP BY o.subject ORDER BY o.subject")
                .bind("from", from)
                .bind("to", to)
                .map((rs, ctx) -> new SubjectTotals(
                        rs.getString("subject"),
                        rs.getLong("delivered"),
                        Rows.micros(rs, "network_usd_micros"),
                        Rows.micros(rs, "billable_usd_micros"),
                        rs.getLong("pending"),
                        rs.getLong("rejected")))
                .list());
    }

    /**
     * One subject's delivered usage over the period.
     *
     * @param subject        CloudEvent subject = customer key
     * @param events         delivered events
     * @param networkMicros  sum of their {@code network_fee_usd_micros}, exact (NUMERIC(38,12) sums)
     * @param billableMicros sum of their {@code billable_usd_micros}, exact
     * @param pending        events of the period still waiting for delivery (not in the totals)
     * @param rejected       events of the period OpenMeter refused (not in the totals)
     */
    public record SubjectTotals(
            String subject,
            long events,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            long pending,
            long rejected) {}
}
