package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.statement.Query;

/**
 * The read model of the usage outbox for the API and the launcher: counts, the usage summary and the event listing,
 * each event with its delivery {@link Status} (derived: {@code PENDING} while it has a row in {@code outbox_pending},
 * {@code REJECTED} once in {@code outbox_rejected}, {@code DELIVERED} when in neither). Read-only.
 */
public final class OutboxQueries {

    /** Delivery state of an event. */
    public enum Status {
        PENDING,
        DELIVERED,
        REJECTED
    }

    private static final String FROM_EVENTS_WITH_STATE = " FROM outbox_events o"
            + " LEFT JOIN outbox_pending p ON p.seq = o.seq LEFT JOIN outbox_rejected r ON r.seq = o.seq";

    private final Database database;

    public OutboxQueries(Database database) {
        this.database = database;
    }

    /** Number of events waiting for delivery. */
    public long pendingCount() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT COUNT(*) AS pending FROM outbox_pending")
                .map((rs, ctx) -> rs.getLong("pending"))
                .one());
    }

    /** Event counts per status. */
    public Map<Status, Long> countByStatus() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM outbox_pending) AS pending,"
                        + " (SELECT COUNT(*) FROM outbox_rejected) AS rejected,"
                        + " (SELECT COUNT(*) FROM outbox_events) AS total")
                .map((rs, ctx) -> {
                    Map<Status, Long> counts = new EnumMap<>(Status.class);
                    counts.put(Status.PENDING, rs.getLong("pending"));
                    counts.put(Status.DELIVERED, rs.getLong("total") - rs.getLong("pending") - rs.getLong("rejected"));
                    counts.put(Status.REJECTED, rs.getLong("rejected"));
                    return counts;
                })
                .one());
    }

    /**
     * Usage per subject and pipeline over {@code [from, to)} (by usage time), optionally for one subject, ordered by
     * subject and pipeline.
     *
     * @param subject one subject, or null for all
     */
    public List<UsageSummaryRow> summary(Instant from, Instant to, String subject) throws SQLException {
        return database.withHandle(h -> {
            Query query = h.createQuery("SELECT o.subject, o.pipeline, COUNT(*) AS events,"
                    + " SUM(o.network_usd_micros) AS network_usd_micros,"
                    + " SUM(o.billable_usd_micros) AS billable_usd_micros, SUM(o.fee_wei) AS fee_wei,"
                    + " SUM(CASE WHEN p.seq IS NOT NULL THEN 1 ELSE 0 END) AS pending,"
                    + " SUM(CASE WHEN r.seq IS NOT NULL THEN 1 ELSE 0 END) AS rejected"
                    + FROM_EVENTS_WITH_STATE
                    + " WHERE o.event_time >= :from AND o.event_time < :to"
                    + (subject == null ? "" : " AND o.subject = :subject")
                    + " GROUP BY o.subject, o.pipeline ORDER BY o.subject, o.pipeline");
            query.bind("from", from).bind("to", to);
            if (subject != null) {
                query.bind("subject", subject);
            }
            return query.map((rs, ctx) -> {
                        long events = rs.getLong("events");
                        long pending = rs.getLong("pending");
                        long rejected = rs.getLong("rejected");
                        return new UsageSummaryRow(
                                rs.getString("subject"),
                                rs.getString("pipeline"),
                                events,
                                Rows.micros(rs, "network_usd_micros"),
                                Rows.micros(rs, "billable_usd_micros"),
                                Rows.integer(rs, "fee_wei"),
                                pending,
                                events - pending - rejected,
                                rejected);
                    })
                    .list();
        });
    }

    /**
     * A page of outbox events, newest first.
     *
     * @param subject filter by subject, or null
     * @param status  filter by status, or null
     * @param before  only events with {@code seq < before} (the cursor of the previous page), or null
     * @param limit   page size
     */
    public List<OutboxEventView> list(String subject, Status status, Long before, int limit) throws SQLException {
        return list(subject, status, false, before, limit);
    }

    /**
     * A page of outbox events, newest first.
     *
     * @param subject     filter by subject, or null
     * @param status      filter by status, or null
     * @param flaggedOnly only events the price audit flagged ({@code price_audit_flagged}: the signer's USD value and
     *                    ours differ by more than the tolerance)
     * @param before      only events with {@code seq < before} (the cursor of the previous page), or null
     * @param limit       page size
     */
    public List<OutboxEventView> list(String subject, Status status, boolean flaggedOnly, Long before, int limit)
            throws SQLException {
        return database.withHandle(h -> {
            StringBuilder sql = new StringBuilder("SELECT o.seq, o.event_id, o.subject, o.pipeline, o.model_id,"
                    + " o.event_time, o.fee_wei, o.network_usd_micros, o.billable_usd_micros, o.eth_usd_price,"
                    + " CASE WHEN p.seq IS NOT NULL THEN 'PENDING' WHEN r.seq IS NOT NULL THEN 'REJECTED'"
                    + " ELSE 'DELIVERED' END AS status,"
                    + " COALESCE(p.attempts, r.attempts) AS attempts, COALESCE(p.last_error, r.detail) AS last_error,"
                    + " o.created_at, o.cloud_event, o.payer_address, o.usd_source, o.oracle_usd_micros,"
                    + " o.signer_usd_micros, o.usd_divergence_micros, o.price_audit_flagged"
                    + FROM_EVENTS_WITH_STATE + " WHERE 1 = 1");
            if (flaggedOnly) {
                sql.append(" AND o.price_audit_flagged = TRUE");
            }
            if (subject != null) {
                sql.append(" AND o.subject = :subject");
            }
            if (status != null) {
                sql.append(
                        switch (status) {
                            case PENDING -> " AND p.seq IS NOT NULL";
                            case REJECTED -> " AND r.seq IS NOT NULL";
                            case DELIVERED -> " AND p.seq IS NULL AND r.seq IS NULL";
                        });
            }
            if (before != null) {
                sql.append(" AND o.seq < :before");
            }
            sql.append(" ORDER BY o.seq DESC LIMIT :limit");
            Query query = h.createQuery(sql.toString()).bind("limit", limit);
            if (subject != null) {
                query.bind("subject", subject);
            }
            if (before != null) {
                query.bind("before", before);
            }
            return query.map((rs, ctx) -> new OutboxEventView(
                            rs.getLong("seq"),
                            rs.getString("event_id"),
                            rs.getString("subject"),
                            rs.getString("pipeline"),
                            rs.getString("model_id"),
                            Rows.instant(rs, "event_time"),
                            Rows.integer(rs, "fee_wei"),
                            Rows.micros(rs, "network_usd_micros"),
                            Rows.micros(rs, "billable_usd_micros"),
                            Rows.micros(rs, "eth_usd_price"),
                            Status.valueOf(rs.getString("status")),
                            Rows.nullableInt(rs, "attempts"),
                            rs.getString("last_error"),
                            Rows.instant(rs, "created_at"),
                            rs.getString("cloud_event"),
                            rs.getString("payer_address"),
                            rs.getString("usd_source"),
                            nullableMicros(rs, "oracle_usd_micros"),
                            nullableMicros(rs, "signer_usd_micros"),
                            nullableMicros(rs, "usd_divergence_micros"),
                            nullableBoolean(rs, "price_audit_flagged")))
                    .list();
        });
    }

    private static BigDecimal nullableMicros(ResultSet rs, String column) throws SQLException {
        return rs.getBigDecimal(column) == null ? null : Rows.micros(rs, column);
    }

    private static Boolean nullableBoolean(ResultSet rs, String column) throws SQLException {
        boolean value = rs.getBoolean(column);
        return rs.wasNull() ? null : value;
    }

    /** One row of the usage summary; amounts in USD micros and wei. */
    public record UsageSummaryRow(
            String subject,
            String pipeline,
            long events,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            BigInteger feeWei,
            long pending,
            long delivered,
            long rejected) {}

    /**
     * An outbox event as the API shows it.
     *
     * @param attempts  delivery attempts (pending or rejected events), null once delivered
     * @param lastError last retryable failure of a pending event, or OpenMeter's problem detail of a rejected one
     * @param payerAddress      the signer's payer address, null when absent (and before migration V6)
     * @param usdSource         {@code oracle} or {@code signer}: which value {@code networkMicros} is; null before V6
     * @param oracleMicros      our conversion, USD micros; null before V6
     * @param signerMicros      the signer's {@code computed_fee_usd} in USD micros, null when it sent none
     * @param divergenceMicros  signer − oracle, USD micros, null without a signer value
     * @param priceAuditFlagged whether the divergence exceeded the tolerance, null without a signer value
     */
    public record OutboxEventView(
            long seq,
            String eventId,
            String subject,
            String pipeline,
            String modelId,
            Instant eventTime,
            BigInteger feeWei,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            BigDecimal ethUsdPrice,
            Status status,
            Integer attempts,
            String lastError,
            Instant createdAt,
            String cloudEvent,
            String payerAddress,
            String usdSource,
            BigDecimal oracleMicros,
            BigDecimal signerMicros,
            BigDecimal divergenceMicros,
            Boolean priceAuditFlagged) {}
}
