package io.livepeer.clearinghouse.ledger;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable usage outbox: metered CloudEvents waiting for, or done with, delivery to OpenMeter.
 *
 * <p>{@code outbox_events} is the immutable usage record (one row per event id). Delivery state lives beside it:
 * an event is {@code PENDING} while it has a row in {@code outbox_pending}, {@code REJECTED} once it moved to
 * {@code outbox_rejected} with OpenMeter's problem detail, and {@code DELIVERED} when it has neither. Nothing is ever
 * deleted from the record.
 */
public final class Outbox {

    /** Delivery state of an event. */
    public enum Status { PENDING, DELIVERED, REJECTED }

    private static final int MAX_ERROR = 4000;
    private static final int PG_ROWS_PER_INSERT = 500;
    private static final String COLUMNS = "event_id, subject, pipeline, model_id, event_time, fee_wei,"
            + " network_usd_micros, billable_usd_micros, eth_usd_price, cloud_event, kafka_topic, kafka_partition,"
            + " kafka_offset, created_at";
    private static final int PARAMS_PER_ROW = 14;
    private static final String STATUS = "CASE WHEN p.seq IS NOT NULL THEN 'PENDING' WHEN r.seq IS NOT NULL"
            + " THEN 'REJECTED' ELSE 'DELIVERED' END";

    private final Database database;

    public Outbox(Database database) {
        this.database = database;
    }

    /**
     * Inserts entries inside the caller's transaction and queues the new ones for delivery; an id already present
     * (or repeated within {@code entries}) is skipped.
     *
     * @return for each entry, the new event's {@code seq}, or 0 when it was a duplicate
     */
    public static long[] append(Connection connection, Database.Dialect dialect, List<OutboxEntry> entries,
                                Instant now) throws SQLException {
        long[] seqs = new long[entries.size()];
        if (entries.isEmpty()) {
            return seqs;
        }
        if (dialect == Database.Dialect.POSTGRESQL) {
            appendPostgres(connection, entries, now, seqs);
        } else {
            appendRowByRow(connection, entries, now, seqs);
        }
        return seqs;
    }

    /** One statement per 500 rows: insert, queue the new rows and return their ids (PostgreSQL CTE). */
    private static void appendPostgres(Connection c, List<OutboxEntry> entries, Instant now, long[] seqs)
            throws SQLException {
        for (int from = 0; from < entries.size(); from += PG_ROWS_PER_INSERT) {
            int to = Math.min(entries.size(), from + PG_ROWS_PER_INSERT);
            StringBuilder sql = new StringBuilder("WITH inserted AS (INSERT INTO outbox_events (").append(COLUMNS)
                    .append(") VALUES ");
            for (int i = from; i < to; i++) {
                sql.append(i == from ? "" : ",").append("(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
            }
            sql.append(" ON CONFLICT DO NOTHING RETURNING seq, event_id),"
                    + " queued AS (INSERT INTO outbox_pending (seq) SELECT seq FROM inserted)"
                    + " SELECT seq, event_id FROM inserted");
            Map<String, Long> inserted = new HashMap<>();
            try (PreparedStatement insert = c.prepareStatement(sql.toString())) {
                int p = 1;
                for (int i = from; i < to; i++) {
                    bind(insert, p, entries.get(i), now);
                    p += PARAMS_PER_ROW;
                }
                try (ResultSet rs = insert.executeQuery()) {
                    while (rs.next()) {
                        inserted.put(rs.getString(2), rs.getLong(1));
                    }
                }
            }
            for (int i = from; i < to; i++) {
                Long seq = inserted.remove(entries.get(i).eventId());   // remove: a repeat in the batch stays 0
                seqs[i] = seq == null ? 0 : seq;
            }
        }
    }

    /** Row by row with generated keys (H2 runs in-process, so there is no round trip to save). */
    private static void appendRowByRow(Connection c, List<OutboxEntry> entries, Instant now, long[] seqs)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO outbox_events (" + COLUMNS + ")"
                + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", new String[] {"seq"});
             PreparedStatement queue = c.prepareStatement("INSERT INTO outbox_pending (seq) VALUES (?)")) {
            for (int i = 0; i < entries.size(); i++) {
                bind(insert, 1, entries.get(i), now);
                if (insert.executeUpdate() == 1) {
                    try (ResultSet keys = insert.getGeneratedKeys()) {
                        keys.next();
                        seqs[i] = keys.getLong(1);
                    }
                    queue.setLong(1, seqs[i]);
                    queue.addBatch();
                }
            }
            queue.executeBatch();
        }
    }

    private static void bind(PreparedStatement s, int p, OutboxEntry e, Instant now) throws SQLException {
        s.setString(p, e.eventId());
        s.setString(p + 1, e.subject());
        s.setString(p + 2, e.pipeline());
        s.setString(p + 3, e.modelId());
        s.setObject(p + 4, Database.utc(e.eventTime()));
        s.setBigDecimal(p + 5, new BigDecimal(e.feeWei()));
        s.setBigDecimal(p + 6, e.networkMicros());
        s.setBigDecimal(p + 7, e.billableMicros());
        s.setBigDecimal(p + 8, e.ethUsdPrice());
        s.setString(p + 9, e.cloudEvent());
        if (e.source() == null) {
            s.setNull(p + 10, Types.VARCHAR);
            s.setNull(p + 11, Types.INTEGER);
            s.setNull(p + 12, Types.BIGINT);
        } else {
            s.setString(p + 10, e.source().topic());
            s.setInt(p + 11, e.source().partition());
            s.setLong(p + 12, e.source().offset());
        }
        s.setObject(p + 13, Database.utc(now));
    }

    /**
     * The oldest pending events, in outbox order.
     *
     * @param limit at most this many
     */
    public List<PendingEvent> nextPending(int limit) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT p.seq, o.event_id, o.cloud_event, p.attempts"
                    + " FROM outbox_pending p JOIN outbox_events o ON o.seq = p.seq ORDER BY p.seq LIMIT ?")) {
                select.setInt(1, limit);
                List<PendingEvent> pending = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        pending.add(new PendingEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
                    }
                }
                return pending;
            }
        });
    }

    /** Marks events delivered (OpenMeter answered 2xx). Events no longer pending are left alone. */
    public int markDelivered(List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.inTransaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox_pending WHERE seq = ?")) {
                return executeForEach(delete, seqs);
            }
        });
    }

    /** Records a failed delivery attempt that will be retried (429, 5xx, timeout, connection error). */
    public int recordRetryableFailure(List<Long> seqs, String error, Instant at) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.inTransaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE outbox_pending SET attempts = attempts + 1,"
                    + " last_error = ?, last_attempt_at = ? WHERE seq = ?")) {
                update.setString(1, clip(error));
                update.setObject(2, Database.utc(at));
                return executeForEach(update, 3, seqs);
            }
        });
    }

    /** Moves one event to the rejected events with the server's problem detail; false if it was not pending. */
    public boolean markRejected(long seq, String problemDetail, Instant at) throws SQLException {
        return database.inTransaction(c -> {
            try (PreparedStatement reject = c.prepareStatement("INSERT INTO outbox_rejected (seq, detail, attempts,"
                    + " rejected_at) SELECT seq, ?, attempts + 1, ? FROM outbox_pending WHERE seq = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM outbox_pending WHERE seq = ?")) {
                reject.setString(1, clip(problemDetail));
                reject.setObject(2, Database.utc(at));
                reject.setLong(3, seq);
                if (reject.executeUpdate() == 0) {
                    return false;
                }
                delete.setLong(1, seq);
                delete.executeUpdate();
                return true;
            }
        });
    }

    /** Number of events waiting for delivery. */
    public long pendingCount() throws SQLException {
        return count("SELECT COUNT(*) FROM outbox_pending");
    }

    /** When the oldest pending event was written, if any is pending. */
    public Optional<Instant> oldestPendingSince() throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT o.created_at FROM outbox_events o"
                    + " WHERE o.seq = (SELECT MIN(seq) FROM outbox_pending)");
                 ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getObject(1, OffsetDateTime.class).toInstant()) : Optional.empty();
            }
        });
    }

    /** Event counts per status. */
    public Map<Status, Long> countByStatus() throws SQLException {
        long pending = pendingCount();
        long rejected = count("SELECT COUNT(*) FROM outbox_rejected");
        long all = count("SELECT COUNT(*) FROM outbox_events");
        Map<Status, Long> counts = new EnumMap<>(Status.class);
        counts.put(Status.PENDING, pending);
        counts.put(Status.DELIVERED, all - pending - rejected);
        counts.put(Status.REJECTED, rejected);
        return counts;
    }

    /**
     * Usage per subject and pipeline over {@code [from, to)} (by usage time), optionally for one subject.
     */
    public List<UsageSummaryRow> summary(Instant from, Instant to, String subject) throws SQLException {
        return database.withConnection(c -> {
            String sql = "SELECT o.subject, o.pipeline, COUNT(*), SUM(o.network_usd_micros),"
                    + " SUM(o.billable_usd_micros), SUM(o.fee_wei),"
                    + " SUM(CASE WHEN p.seq IS NOT NULL THEN 1 ELSE 0 END),"
                    + " SUM(CASE WHEN r.seq IS NOT NULL THEN 1 ELSE 0 END)"
                    + " FROM outbox_events o LEFT JOIN outbox_pending p ON p.seq = o.seq"
                    + " LEFT JOIN outbox_rejected r ON r.seq = o.seq"
                    + " WHERE o.event_time >= ? AND o.event_time < ?"
                    + (subject == null ? "" : " AND o.subject = ?")
                    + " GROUP BY o.subject, o.pipeline ORDER BY o.subject, o.pipeline";
            try (PreparedStatement select = c.prepareStatement(sql)) {
                select.setObject(1, Database.utc(from));
                select.setObject(2, Database.utc(to));
                if (subject != null) {
                    select.setString(3, subject);
                }
                List<UsageSummaryRow> rows = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        long events = rs.getLong(3);
                        long pending = rs.getLong(7);
                        long rejected = rs.getLong(8);
                        rows.add(new UsageSummaryRow(rs.getString(1), rs.getString(2), events,
                                Amounts.micros(rs.getBigDecimal(4)), Amounts.micros(rs.getBigDecimal(5)),
                                rs.getBigDecimal(6).toBigIntegerExact(), pending, events - pending - rejected,
                                rejected));
                    }
                }
                return rows;
            }
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
        return database.withConnection(c -> {
            StringBuilder sql = new StringBuilder("SELECT o.seq, o.event_id, o.subject, o.pipeline, o.model_id,"
                    + " o.event_time, o.fee_wei, o.network_usd_micros, o.billable_usd_micros, o.eth_usd_price, "
                    + STATUS + ", COALESCE(p.attempts, r.attempts), COALESCE(p.last_error, r.detail),"
                    + " o.created_at, o.cloud_event"
                    + " FROM outbox_events o LEFT JOIN outbox_pending p ON p.seq = o.seq"
                    + " LEFT JOIN outbox_rejected r ON r.seq = o.seq WHERE 1 = 1");
            List<Object> params = new ArrayList<>();
            if (subject != null) {
                sql.append(" AND o.subject = ?");
                params.add(subject);
            }
            if (status != null) {
                sql.append(switch (status) {
                    case PENDING -> " AND p.seq IS NOT NULL";
                    case REJECTED -> " AND r.seq IS NOT NULL";
                    case DELIVERED -> " AND p.seq IS NULL AND r.seq IS NULL";
                });
            }
            if (before != null) {
                sql.append(" AND o.seq < ?");
                params.add(before);
            }
            sql.append(" ORDER BY o.seq DESC LIMIT ?");
            params.add(limit);
            try (PreparedStatement select = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < params.size(); i++) {
                    select.setObject(i + 1, params.get(i));
                }
                List<OutboxEventView> page = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        Integer attempts = rs.getObject(12) == null ? null : rs.getInt(12);
                        page.add(new OutboxEventView(rs.getLong(1), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant(),
                                rs.getBigDecimal(7).toBigIntegerExact(), Amounts.micros(rs.getBigDecimal(8)),
                                Amounts.micros(rs.getBigDecimal(9)), Amounts.micros(rs.getBigDecimal(10)),
                                Status.valueOf(rs.getString(11)), attempts, rs.getString(13),
                                rs.getObject(14, OffsetDateTime.class).toInstant(), rs.getString(15)));
                    }
                }
                return page;
            }
        });
    }

    private long count(String sql) throws SQLException {
        return database.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static int executeForEach(PreparedStatement statement, List<Long> seqs) throws SQLException {
        return executeForEach(statement, 1, seqs);
    }

    /** One primary-key statement per row, as a JDBC batch. */
    private static int executeForEach(PreparedStatement statement, int seqParameter, List<Long> seqs)
            throws SQLException {
        for (long seq : seqs) {
            statement.setLong(seqParameter, seq);
            statement.addBatch();
        }
        int changed = 0;
        for (int count : statement.executeBatch()) {
            changed += Math.max(count, 0);
        }
        return changed;
    }

    private static String clip(String text) {
        return Texts.clip(text, MAX_ERROR);
    }

    /**
     * An event waiting for delivery.
     *
     * @param seq        outbox position
     * @param eventId    CloudEvent id
     * @param cloudEvent CloudEvent JSON
     * @param attempts   delivery attempts so far
     */
    public record PendingEvent(long seq, String eventId, String cloudEvent, int attempts) {
    }

    /** One row of the usage summary; amounts in USD micros and wei. */
    public record UsageSummaryRow(String subject, String pipeline, long events, BigDecimal networkMicros,
                                  BigDecimal billableMicros, BigInteger feeWei, long pending, long delivered,
                                  long rejected) {
    }

    /**
     * An outbox event as the API shows it.
     *
     * @param attempts  delivery attempts (pending or rejected events), null once delivered
     * @param lastError last retryable failure of a pending event, or OpenMeter's problem detail of a rejected one
     */
    public record OutboxEventView(long seq, String eventId, String subject, String pipeline, String modelId,
                                  Instant eventTime, BigInteger feeWei, BigDecimal networkMicros,
                                  BigDecimal billableMicros, BigDecimal ethUsdPrice, Status status, Integer attempts,
                                  String lastError, Instant createdAt, String cloudEvent) {
    }
}
