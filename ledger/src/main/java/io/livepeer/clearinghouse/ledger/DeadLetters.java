package io.livepeer.clearinghouse.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Input that could not be metered, kept with its raw bytes and the reason. Never deleted by the application. */
public final class DeadLetters {

    private final Database database;

    public DeadLetters(Database database) {
        this.database = database;
    }

    /**
     * Inserts dead letters inside the caller's transaction; a Kafka record already dead-lettered is skipped.
     *
     * @return how many were new
     */
    public static int append(Connection connection, List<DeadLetterEntry> entries, Instant now) throws SQLException {
        if (entries.isEmpty()) {
            return 0;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO dead_letters (kafka_topic,"
                + " kafka_partition, kafka_offset, kafka_key, event_id, reason, raw, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (DeadLetterEntry e : entries) {
                insert.setString(1, e.source().topic());
                insert.setInt(2, e.source().partition());
                insert.setLong(3, e.source().offset());
                insert.setString(4, Texts.clip(e.key(), 1024));
                insert.setString(5, e.eventId() == null || e.eventId().length() > 255 ? null : e.eventId());
                insert.setString(6, Texts.clip(e.reason(), 2000));
                insert.setBytes(7, e.raw() == null ? new byte[0] : e.raw());
                insert.setObject(8, Database.utc(now));
                insert.addBatch();
            }
            int inserted = 0;
            for (int count : insert.executeBatch()) {
                inserted += count > 0 ? 1 : 0;
            }
            return inserted;
        }
    }

    /** Number of dead letters. */
    public long count() throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT COUNT(*) FROM dead_letters");
                 ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /**
     * A page of dead letters, newest first.
     *
     * @param before only ids below this cursor, or null
     * @param limit  page size
     */
    public List<DeadLetterView> list(Long before, int limit) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT id, kafka_topic, kafka_partition,"
                    + " kafka_offset, kafka_key, event_id, reason, raw, created_at FROM dead_letters"
                    + (before == null ? "" : " WHERE id < ?") + " ORDER BY id DESC LIMIT ?")) {
                int i = 1;
                if (before != null) {
                    select.setLong(i++, before);
                }
                select.setInt(i, limit);
                List<DeadLetterView> page = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        page.add(new DeadLetterView(rs.getLong(1),
                                new KafkaCoordinates(rs.getString(2), rs.getInt(3), rs.getLong(4)), rs.getString(5),
                                rs.getString(6), rs.getString(7), rs.getBytes(8),
                                rs.getObject(9, OffsetDateTime.class).toInstant()));
                    }
                }
                return page;
            }
        });
    }

    /** A dead letter as the API shows it. */
    public record DeadLetterView(long id, KafkaCoordinates source, String key, String eventId, String reason,
                                 byte[] raw, Instant createdAt) {
    }
}
