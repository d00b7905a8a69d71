package io.livepeer.clearinghouse.ledger.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
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
     * The delivered / pending / rejected totals' columns and the period's rows of {@code outbox_events} (bound
     * {@code :from} inclusive, {@code :to} exclusive), shared by the per-subject and the per-window queries.
     */
    private static final String TOTALS_FROM_PERIOD =
            " SUM(CASE WHEN p.seq IS NULL AND r.seq IS NULL THEN 1 ELSE 0 END) AS delivered,"
                    + " SUM(CASE WHEN p.seq IS NULL AND r.seq IS NULL THEN o.network_usd_micros ELSE 0 END)"
                    + " AS network_usd_micros,"
                    + " SUM(CASE WHEN p.seq IS NULL AND r.seq IS NULL THEN o.billable_usd_micros ELSE 0 END)"
                    + " AS billable_usd_micros,"
                    + " SUM(CASE WHEN p.seq IS NOT NULL THEN 1 ELSE 0 END) AS pending,"
                    + " SUM(CASE WHEN r.seq IS NOT NULL THEN 1 ELSE 0 END) AS rejected"
                    + " FROM outbox_events o"
                    + " LEFT JOIN outbox_pending p ON p.seq = o.seq LEFT JOIN outbox_rejected r ON r.seq = o.seq"
                    + " WHERE o.event_time >= :from AND o.event_time < :to";

    /**
     * Totals per subject over {@code [from, to)} by usage time, ordered by subject. Subjects with only pending or
     * rejected events appear with zero delivered totals.
     */
    public List<SubjectTotals> bySubject(Instant from, Instant to) throws SQLException {
        return database.withHandle(h -> h.createQuery(
                        "SELECT o.subject," + TOTALS_FROM_PERIOD + " GROUP BY o.subject ORDER BY o.subject")
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
     * Totals per subject and time window over {@code [from, to)} by usage time, ordered by subject then window: the
     * same figures as {@link #bySubject}, bucketed in SQL (H2 and PostgreSQL alike) by {@code floor(epoch seconds of
     * event_time / windowSeconds)}. That is OpenMeter's windowing in UTC: minutes, hours and days since the Unix epoch
     * are whole multiples of their length (UTC has no DST; OpenMeter truncates event times to the second, which never
     * moves an event across such a boundary). Windows without any event of the subject are left out.
     *
     * @param windowSeconds window length in seconds, 60, 3600 or 86400 (any positive whole number works)
     * @throws IllegalArgumentException for a window length below 1
     */
    public List<WindowTotals> bySubjectAndWindow(Instant from, Instant to, long windowSeconds) throws SQLException {
        if (windowSeconds < 1) {
            throw new IllegalArgumentException("window length must be at least 1 second, got " + windowSeconds);
        }
        // the length is a number we control, inlined: PostgreSQL matches GROUP BY expressions textually, and two bind
        // parameters ($1 in SELECT, $2 in GROUP BY) would not be the same expression
        String bucket = "FLOOR(EXTRACT(EPOCH FROM o.event_time) / " + windowSeconds + ")";
        return database.withHandle(h -> h.createQuery("SELECT o.subject, " + bucket + " AS bucket,"
                        + TOTALS_FROM_PERIOD
                        + " GROUP BY o.subject, " + bucket + " ORDER BY o.subject, bucket")
                .bind("from", from)
                .bind("to", to)
                .map((rs, ctx) -> new WindowTotals(
                        rs.getString("subject"),
                        Instant.ofEpochSecond(rs.getBigDecimal("bucket").longValueExact() * windowSeconds),
                        rs.getLong("delivered"),
                        Rows.micros(rs, "network_usd_micros"),
                        Rows.micros(rs, "billable_usd_micros"),
                        rs.getLong("pending"),
                        rs.getLong("rejected")))
                .list());
    }

    /**
     * The delivered events of one subject whose usage time lies in {@code [from, to)}, by usage time then id, at most
     * {@code limit}: what OpenMeter's events listing is compared with to tell a double-counted event from an extra
     * one. The ticket identity comes from the completeness record ({@code ticket_events}: session and sequence number,
     * when the event had them and the row was not pruned) and from the stored CloudEvent ({@code data.session_id},
     * {@code data.gateway_request_id}; null once retention removed the payload).
     *
     * @param limit most events returned, ≥ 1
     */
    public List<DeliveredEvent> deliveredEvents(String subject, Instant from, Instant to, int limit)
            throws SQLException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        return database.withHandle(h -> h.createQuery("SELECT o.event_id, o.event_time, o.fee_wei,"
                        + " o.network_usd_micros, o.billable_usd_micros, o.cloud_event, t.session_id,"
                        + " t.sequence_number"
                        + " FROM outbox_events o"
                        + " LEFT JOIN outbox_pending p ON p.seq = o.seq LEFT JOIN outbox_rejected r ON r.seq = o.seq"
                        + " LEFT JOIN ticket_events t ON t.event_id = o.event_id"
                        + " WHERE o.subject = :subject AND o.event_time >= :from AND o.event_time < :to"
                        + " AND p.seq IS NULL AND r.seq IS NULL"
                        + " ORDER BY o.event_time, o.event_id")
                .bind("subject", subject)
                .bind("from", from)
                .bind("to", to)
                .setMaxRows(limit)
                .map((rs, ctx) -> {
                    JsonNode data = data(rs.getString("cloud_event"));
                    String session = rs.getString("session_id");
                    if (session == null && data != null && data.hasNonNull("session_id")) {
                        session = data.get("session_id").asText();
                    }
                    long sequence = rs.getLong("sequence_number");
                    Long sequenceNumber = rs.wasNull() ? null : sequence;
                    return new DeliveredEvent(
                            rs.getString("event_id"),
                            Rows.instant(rs, "event_time"),
                            Rows.integer(rs, "fee_wei"),
                            Rows.micros(rs, "network_usd_micros"),
                            Rows.micros(rs, "billable_usd_micros"),
                            session,
                            sequenceNumber,
                            data != null && data.hasNonNull("gateway_request_id")
                                    ? data.get("gateway_request_id").asText()
                                    : null);
                })
                .list());
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The CloudEvent's {@code data}, or null when the payload is gone or unreadable. */
    private static JsonNode data(String cloudEvent) {
        if (cloudEvent == null) {
            return null;
        }
        try {
            JsonNode data = JSON.readTree(cloudEvent).path("data");
            return data.isObject() ? data : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * One subject's delivered usage in one time window.
     *
     * @param subject        CloudEvent subject = customer key
     * @param windowStart    start of the window (a whole multiple of its length since the epoch); it ends one
     *                       window length later
     * @param events         delivered events
     * @param networkMicros  sum of their {@code network_fee_usd_micros}, exact
     * @param billableMicros sum of their {@code billable_usd_micros}, exact
     * @param pending        events of the window still waiting for delivery (not in the totals)
     * @param rejected       events of the window OpenMeter refused (not in the totals)
     */
    public record WindowTotals(
            String subject,
            Instant windowStart,
            long events,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            long pending,
            long rejected) {}

    /**
     * One delivered event, with what identifies its ticket.
     *
     * @param eventId        CloudEvent id
     * @param time           usage time (CloudEvent {@code time})
     * @param feeWei         fee, wei
     * @param networkMicros  {@code network_fee_usd_micros}, exact
     * @param billableMicros {@code billable_usd_micros}, exact
     * @param sessionId      the signer's payment session ({@code data.session_id}), null when unknown
     * @param sequenceNumber the ticket's {@code sequence_number} in its session, null when unknown
     * @param requestId      {@code data.gateway_request_id}, null when unknown (payload removed)
     */
    public record DeliveredEvent(
            String eventId,
            Instant time,
            BigInteger feeWei,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            String sessionId,
            Long sequenceNumber,
            String requestId) {}

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
