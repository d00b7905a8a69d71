package io.livepeer.clearinghouse.ledger;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable usage outbox: metered CloudEvents waiting for, or done with, delivery to OpenMeter.
 *
 * <p>Status moves {@code PENDING → DELIVERED} (2xx from OpenMeter) or {@code PENDING → REJECTED} (OpenMeter refused
 * the event itself, with its problem detail). Rows are never deleted: the outbox is also the local usage history.
 */
public final class Outbox {

    /** Delivery state of an outbox row. */
    public enum Status { PENDING, DELIVERED, REJECTED }

    private static final int MAX_ERROR = 4000;

    private final Database database;

    public Outbox(Database database) {
        this.database = database;
    }

    /**
     * Inserts entries inside the caller's transaction; an id already present is skipped.
     *
     * @return for each entry, whether it was new
     */
    public static boolean[] append(Connection connection, List<OutboxEntry> entries, Instant now) throws SQLException {
        boolean[] inserted = new boolean[entries.size()];
        if (entries.isEmpty()) {
            return inserted;
        }
        String sql = "INSERT INTO outbox_events (event_id, subject, pipeline, model_id, event_time, fee_wei,"
                + " network_usd_micros, billable_usd_micros, eth_usd_price, cloud_event, status, kafka_topic,"
                + " kafka_partition, kafka_offset, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?) ON CONFLICT DO NOTHING";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            OffsetDateTime created = Database.utc(now);
            for (OutboxEntry e : entries) {
                insert.setString(1, e.eventId());
                insert.setString(2, e.subject());
                insert.setString(3, e.pipeline());
                insert.setString(4, e.modelId());
                insert.setObject(5, Database.utc(e.eventTime()));
                insert.setBigDecimal(6, new BigDecimal(e.feeWei()));
                insert.setBigDecimal(7, e.networkMicros());
                insert.setBigDecimal(8, e.billableMicros());
                insert.setBigDecimal(9, e.ethUsdPrice());
                insert.setString(10, e.cloudEvent());
                if (e.source() == null) {
                    insert.setNull(11, Types.VARCHAR);
                    insert.setNull(12, Types.INTEGER);
                    insert.setNull(13, Types.BIGINT);
                } else {
                    insert.setString(11, e.source().topic());
                    insert.setInt(12, e.source().partition());
                    insert.setLong(13, e.source().offset());
                }
                insert.setObject(14, created);
                insert.addBatch();
            }
            int[] counts = insert.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                inserted[i] = counts[i] > 0;
            }
        }
        return inserted;
    }

    /**
     * The oldest pending events, in outbox order.
     *
     * @param limit at most this many
     */
    public List<PendingEvent> nextPending(int limit) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT seq, event_id, cloud_event, attempts"
                    + " FROM outbox_events WHERE status = 'PENDING' ORDER BY seq LIMIT ?")) {
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

    /** Marks events delivered (OpenMeter answered 2xx). Rows no longer pending are left alone. */
    public int markDelivered(List<Long> seqs, Instant at) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE outbox_events SET status = 'DELIVERED',"
                    + " delivered_at = ?, attempts = attempts + 1, last_error = NULL"
                    + " WHERE seq = ANY(?) AND status = 'PENDING'")) {
                update.setObject(1, Database.utc(at));
                update.setArray(2, seqArray(c, seqs));
                return update.executeUpdate();
            }
        });
    }

    /** Records a failed delivery attempt that will be retried (429, 5xx, timeout, connection error). */
    public int recordRetryableFailure(List<Long> seqs, String error) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE outbox_events SET attempts = attempts + 1,"
                    + " last_error = ? WHERE seq = ANY(?) AND status = 'PENDING'")) {
                update.setString(1, clip(error));
                update.setArray(2, seqArray(c, seqs));
                return update.executeUpdate();
            }
        });
    }

    /** Marks one event rejected by OpenMeter, keeping the server's problem detail. */
    public int markRejected(long seq, String problemDetail) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE outbox_events SET status = 'REJECTED',"
                    + " attempts = attempts + 1, last_error = ? WHERE seq = ? AND status = 'PENDING'")) {
                update.setString(1, clip(problemDetail));
                update.setLong(2, seq);
                return update.executeUpdate();
            }
        });
    }

    /** Number of events waiting for delivery. */
    public long pendingCount() throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement count = c.prepareStatement(
                    "SELECT COUNT(*) FROM outbox_events WHERE status = 'PENDING'");
                 ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** When the oldest pending event was written, if any is pending. */
    public Optional<Instant> oldestPendingSince() throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT created_at FROM outbox_events"
                    + " WHERE status = 'PENDING' ORDER BY seq LIMIT 1");
                 ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getObject(1, OffsetDateTime.class).toInstant()) : Optional.empty();
            }
        });
    }

    /** Row counts per status. */
    public Map<Status, Long> countByStatus() throws SQLException {
        return database.withConnection(c -> {
            Map<Status, Long> counts = new EnumMap<>(Status.class);
            for (Status s : Status.values()) {
                counts.put(s, 0L);
            }
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT status, COUNT(*) FROM outbox_events GROUP BY status");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    counts.put(Status.valueOf(rs.getString(1)), rs.getLong(2));
                }
            }
            return counts;
        });
    }

    /**
     * Usage per subject and pipeline over {@code [from, to)} (by usage time), optionally for one subject.
     */
    public List<UsageSummaryRow> summary(Instant from, Instant to, String subject) throws SQLException {
        return database.withConnection(c -> {
            String sql = "SELECT subject, pipeline, COUNT(*), SUM(network_usd_micros), SUM(billable_usd_micros),"
                    + " SUM(fee_wei),"
                    + " SUM(CASE WHEN status = 'PENDING' THEN 1 ELSE 0 END),"
                    + " SUM(CASE WHEN status = 'DELIVERED' THEN 1 ELSE 0 END),"
                    + " SUM(CASE WHEN status = 'REJECTED' THEN 1 ELSE 0 END)"
                    + " FROM outbox_events WHERE event_time >= ? AND event_time < ?"
                    + (subject == null ? "" : " AND subject = ?")
                    + " GROUP BY subject, pipeline ORDER BY subject, pipeline";
            try (PreparedStatement select = c.prepareStatement(sql)) {
                select.setObject(1, Database.utc(from));
                select.setObject(2, Database.utc(to));
                if (subject != null) {
                    select.setString(3, subject);
                }
                List<UsageSummaryRow> rows = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new UsageSummaryRow(rs.getString(1), rs.getString(2), rs.getLong(3),
                                Amounts.micros(rs.getBigDecimal(4)), Amounts.micros(rs.getBigDecimal(5)),
                                rs.getBigDecimal(6).toBigIntegerExact(), rs.getLong(7), rs.getLong(8),
                                rs.getLong(9)));
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
            StringBuilder sql = new StringBuilder("SELECT seq, event_id, subject, pipeline, model_id, event_time,"
                    + " fee_wei, network_usd_micros, billable_usd_micros, eth_usd_price, status, attempts,"
                    + " last_error, created_at, delivered_at, cloud_event FROM outbox_events WHERE 1 = 1");
            List<Object> params = new ArrayList<>();
            if (subject != null) {
                sql.append(" AND subject = ?");
                params.add(subject);
            }
            if (status != null) {
                sql.append(" AND status = ?");
                params.add(status.name());
            }
            if (before != null) {
                sql.append(" AND seq < ?");
                params.add(before);
            }
            sql.append(" ORDER BY seq DESC LIMIT ?");
            params.add(limit);
            try (PreparedStatement select = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < params.size(); i++) {
                    select.setObject(i + 1, params.get(i));
                }
                List<OutboxEventView> page = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        OffsetDateTime delivered = rs.getObject(15, OffsetDateTime.class);
                        page.add(new OutboxEventView(rs.getLong(1), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant(),
                                rs.getBigDecimal(7).toBigIntegerExact(), Amounts.micros(rs.getBigDecimal(8)),
                                Amounts.micros(rs.getBigDecimal(9)), Amounts.micros(rs.getBigDecimal(10)),
                                Status.valueOf(rs.getString(11)), rs.getInt(12), rs.getString(13),
                                rs.getObject(14, OffsetDateTime.class).toInstant(),
                                delivered == null ? null : delivered.toInstant(), rs.getString(16)));
                    }
                }
                return page;
            }
        });
    }

    private static Array seqArray(Connection c, List<Long> seqs) throws SQLException {
        return c.createArrayOf("BIGINT", seqs.toArray(new Long[0]));
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
                                  BigDecimal billableMicros, java.math.BigInteger feeWei, long pending,
                                  long delivered, long rejected) {
    }

    /** An outbox row as the API shows it. */
    public record OutboxEventView(long seq, String eventId, String subject, String pipeline, String modelId,
                                  Instant eventTime, java.math.BigInteger feeWei, BigDecimal networkMicros,
                                  BigDecimal billableMicros, BigDecimal ethUsdPrice, Status status, int attempts,
                                  String lastError, Instant createdAt, Instant deliveredAt, String cloudEvent) {
    }
}
