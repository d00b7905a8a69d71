package io.livepeer.clearinghouse.ledger;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/** Input that could not be metered, kept with its raw bytes and the reason; deleted only by {@link Retention}, by age. */
public final class DeadLetters {

    private final Database database;

    public DeadLetters(Database database) {
        this.database = database;
    }

    /**
     * Inserts dead letters, in the caller's transaction when there is one (see {@link Database}); a Kafka record
     * already dead-lettered is skipped. The key is clipped to 1,024 characters, the reason to 2,000; an event id
     * longer than 255 is dropped.
     *
     * @return how many were new
     */
    public int append(List<DeadLetterEntry> entries, Instant now) throws SQLException {
        return appendNew(entries, now).size();
    }

    /**
     * Like {@link #append}, returning the entries that were new (in input order), not those already kept: what a
     * replayed batch adds, so that it is announced (e.g. to the dead-letter topic) once.
     */
    public List<DeadLetterEntry> appendNew(List<DeadLetterEntry> entries, Instant now) throws SQLException {
        if (entries.isEmpty()) {
            return List.of();
        }
        return database.inTransaction(h -> {
            PreparedBatch insert = h.prepareBatch("INSERT INTO dead_letters (kafka_topic, kafka_partition,"
                    + " kafka_offset, kafka_key, event_id, reason, raw, created_at) VALUES (:topic, :partition,"
                    + " :offset, :key, :event_id, :reason, :raw, :created_at) ON CONFLICT DO NOTHING");
            for (DeadLetterEntry e : entries) {
                insert.bind("topic", e.source().topic())
                        .bind("partition", e.source().partition())
                        .bind("offset", e.source().offset())
                        .bind("key", Texts.clip(e.key(), 1024))
                        .bind(
                                "event_id",
                                e.eventId() == null
                                                || e.eventId().length() > 255
                                                || !Texts.storable(e.eventId()).equals(e.eventId())
                                        ? null
                                        : e.eventId())
                        .bind("reason", Texts.clip(e.reason(), 2000))
                        .bind("raw", e.raw() == null ? new byte[0] : e.raw())
                        .bind("created_at", now)
                        .add();
            }
            int[] counts = insert.execute();
            List<DeadLetterEntry> inserted = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    inserted.add(entries.get(i));
                }
            }
            return List.copyOf(inserted);
        });
    }

    /** Number of dead letters. */
    public long count() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT COUNT(*) AS dead_letters FROM dead_letters")
                .map((rs, ctx) -> rs.getLong("dead_letters"))
                .one());
    }

    /**
     * A page of dead letters, newest first.
     *
     * @param before only ids below this cursor, or null
     * @param limit  page size
     */
    public List<DeadLetterView> list(Long before, int limit) throws SQLException {
        return database.withHandle(h -> {
            Query query = h.createQuery("SELECT id, kafka_topic, kafka_partition, kafka_offset, kafka_key, event_id,"
                            + " reason, raw, created_at, first_payload, redrive_outcome, redrive_reason, redriven_at"
                            + " FROM dead_letters"
                            + (before == null ? "" : " WHERE id < :before")
                            + " ORDER BY id DESC LIMIT :limit")
                    .bind("limit", limit);
            if (before != null) {
                query.bind("before", before);
            }
            return query.map((rs, ctx) -> new DeadLetterView(
                            rs.getLong("id"),
                            new KafkaCoordinates(
                                    rs.getString("kafka_topic"),
                                    rs.getInt("kafka_partition"),
                                    rs.getLong("kafka_offset")),
                            rs.getString("kafka_key"),
                            rs.getString("event_id"),
                            rs.getString("reason"),
                            rs.getBytes("raw"),
                            Rows.instant(rs, "created_at"),
                            rs.getString("first_payload"),
                            rs.getString("redrive_outcome"),
                            rs.getString("redrive_reason"),
                            Rows.instant(rs, "redriven_at")))
                    .list();
        });
    }

    /**
     * A dead letter as the API shows it.
     *
     * @param firstPayload   a fork's first payload: the outbox CloudEvent JSON of the event billed first (migration V7),
     *                       else null
     * @param redriveOutcome the outcome of its last redrive ({@code metered}, {@code duplicate}, {@code skipped},
     *                       {@code dead_lettered}; migration V8), or null when never redriven
     * @param redriveReason  the reason of the last redrive's refusal when it was dead-lettered again, else null
     * @param redrivenAt     when the last redrive ran, or null
     */
    public record DeadLetterView(
            long id,
            KafkaCoordinates source,
            String key,
            String eventId,
            String reason,
            byte[] raw,
            Instant createdAt,
            String firstPayload,
            String redriveOutcome,
            String redriveReason,
            Instant redrivenAt) {}
}
