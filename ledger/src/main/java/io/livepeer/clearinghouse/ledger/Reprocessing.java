package io.livepeer.clearinghouse.ledger;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jdbi.v3.core.statement.Query;

/**
 * What {@code replay} (a range of the signer topic) and {@code dead-letters redrive} read and mark in the database:
 * which event ids are already billed (in the outbox), which Kafka records are already dead letters, which dead letters
 * a redrive selects, and the outcome of a letter's redrive (migration V8: {@code dead_letters.redrive_outcome},
 * {@code redrive_reason}, {@code redriven_at}). The metering itself is stored by {@link UsageRecorder}; a caller that
 * wants a letter's metering and its mark to commit together runs both inside one {@link Database#inTransaction}.
 */
public final class Reprocessing {

    /** Longest stored reason (the column's width). */
    static final int MAX_REASON = 2000;

    private final Database database;

    public Reprocessing(Database database) {
        this.database = database;
    }

    /** The outcome of redriving one dead letter, as stored in {@code dead_letters.redrive_outcome}. */
    public enum Outcome {
        /** Metered and written to the outbox (billed now): final. */
        METERED("metered"),
        /** Metered, but its event id was already in the outbox (billed before): final, nothing written. */
        DUPLICATE("duplicate"),
        /** Not a metered event type: final, nothing to bill. */
        SKIPPED("skipped"),
        /** Refused again ({@code redrive_reason} says why): a later redrive may select it again. */
        DEAD_LETTERED("dead_lettered");

        private final String column;

        Outcome(String column) {
            this.column = column;
        }

        /** The stored value. */
        public String column() {
            return column;
        }

        static Outcome of(String column) {
            for (Outcome o : values()) {
                if (o.column.equals(column)) {
                    return o;
                }
            }
            return null;
        }
    }

    /**
     * A dead letter a redrive may take.
     *
     * @param id            dead letter id
     * @param source        Kafka coordinates of the record
     * @param key           Kafka key, may be null
     * @param eventId       envelope id when it was readable, may be null
     * @param reason        the reason it was dead-lettered first
     * @param redriveReason the reason of its last failed redrive, or null
     * @param raw           the record value, byte for byte
     * @param createdAt     when it was dead-lettered
     */
    public record Letter(
            long id,
            KafkaCoordinates source,
            String key,
            String eventId,
            String reason,
            String redriveReason,
            byte[] raw,
            Instant createdAt) {

        /** Why it is a dead letter now: the last redrive's reason if it was refused again, else the first reason. */
        public String currentReason() {
            return redriveReason != null ? redriveReason : reason;
        }

        /** As a dead-letter entry (for storing its metering under its own coordinates). */
        public DeadLetterEntry entry(String newReason) {
            return new DeadLetterEntry(source, key, eventId, newReason, raw);
        }
    }

    /**
     * The event ids among {@code eventIds} that are in the outbox (billed). Read in chunks of 500.
     *
     * @throws SQLException when the database fails
     */
    public Set<String> billed(Collection<String> eventIds) throws SQLException {
        List<String> ids = eventIds.stream().distinct().toList();
        Set<String> billed = new HashSet<>();
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            billed.addAll(database.withHandle(h -> {
                Query query = h.createQuery(
                        "SELECT event_id FROM outbox_events WHERE event_id IN (" + params("id", chunk.size()) + ")");
                for (int i = 0; i < chunk.size(); i++) {
                    query.bind("id" + i, chunk.get(i));
                }
                return query.mapTo(String.class).list();
            }));
        }
        return billed;
    }

    /**
     * The offsets among {@code offsets} of one topic partition that are already dead letters.
     *
     * @throws SQLException when the database fails
     */
    public Set<Long> deadLettered(String topic, int partition, Collection<Long> offsets) throws SQLException {
        List<Long> all = offsets.stream().distinct().toList();
        Set<Long> kept = new HashSet<>();
        for (int from = 0; from < all.size(); from += 500) {
            List<Long> chunk = all.subList(from, Math.min(all.size(), from + 500));
            kept.addAll(database.withHandle(h -> {
                Query query = h.createQuery("SELECT kafka_offset FROM dead_letters WHERE kafka_topic = :topic"
                                + " AND kafka_partition = :partition AND kafka_offset IN ("
                                + params("offset", chunk.size()) + ")")
                        .bind("topic", topic)
                        .bind("partition", partition);
                for (int i = 0; i < chunk.size(); i++) {
                    query.bind("offset" + i, chunk.get(i));
                }
                return query.mapTo(Long.class).list();
            }));
        }
        return kept;
    }

    /**
     * Dead letters a redrive selects: never redriven, or refused again by an earlier redrive, whose current reason
     * ({@link Letter#currentReason}) contains {@code reasonContains} (case-insensitive) and that were dead-lettered at
     * or after {@code since}; in id order, a page of {@code limit} after {@code afterId}.
     *
     * @param reasonContains text the current reason contains (required, not blank)
     * @param since          dead-lettered at or after, or null for any time
     * @param afterId        ids above this (paging), 0 for the first page
     * @param limit          page size
     * @throws IllegalArgumentException when {@code reasonContains} is blank
     * @throws SQLException             when the database fails
     */
    public List<Letter> redrivable(String reasonContains, Instant since, long afterId, int limit) throws SQLException {
        if (reasonContains == null || reasonContains.isBlank()) {
            throw new IllegalArgumentException("a redrive needs the reason text of the letters it takes");
        }
        return database.withHandle(h -> {
            Query query = h.createQuery("SELECT id, kafka_topic, kafka_partition, kafka_offset, kafka_key, event_id,"
                            + " reason, redrive_reason, raw, created_at FROM dead_letters"
                            + " WHERE id > :after"
                            + " AND (redrive_outcome IS NULL OR redrive_outcome = 'dead_lettered')"
                            + " AND LOWER(COALESCE(redrive_reason, reason)) LIKE :reason ESCAPE '!'"
                            + (since == null ? "" : " AND created_at >= :since")
                            + " ORDER BY id LIMIT :limit")
                    .bind("after", afterId)
                    .bind("reason", "%" + likeEscaped(reasonContains.toLowerCase(Locale.ROOT)) + "%")
                    .bind("limit", limit);
            if (since != null) {
                query.bind("since", since);
            }
            return query.map((rs, ctx) -> new Letter(
                            rs.getLong("id"),
                            new KafkaCoordinates(
                                    rs.getString("kafka_topic"),
                                    rs.getInt("kafka_partition"),
                                    rs.getLong("kafka_offset")),
                            rs.getString("kafka_key"),
                            rs.getString("event_id"),
                            rs.getString("reason"),
                            rs.getString("redrive_reason"),
                            rs.getBytes("raw"),
                            Rows.instant(rs, "created_at")))
                    .list();
        });
    }

    /**
     * Marks a letter with the outcome of its redrive, unless an earlier redrive already gave it a final outcome
     * (another redrive running at the same time). Joins the caller's transaction.
     *
     * @param id      dead letter id
     * @param outcome the outcome
     * @param reason  why it was refused again (for {@link Outcome#DEAD_LETTERED}; clipped to 2,000 characters), else
     *                ignored
     * @param at      when
     * @return false when the letter was already final (or is gone): the caller should roll back its metering
     * @throws SQLException when the database fails
     */
    public boolean markRedriven(long id, Outcome outcome, String reason, Instant at) throws SQLException {
        return database.inTransaction(h -> h.createUpdate("UPDATE dead_letters SET redrive_outcome = :outcome,"
                                + " redrive_reason = :reason, redriven_at = :at WHERE id = :id"
                                + " AND (redrive_outcome IS NULL OR redrive_outcome = 'dead_lettered')")
                        .bind("outcome", outcome.column())
                        .bind("reason", outcome == Outcome.DEAD_LETTERED ? Texts.clip(reason, MAX_REASON) : null)
                        .bind("at", at)
                        .bind("id", id)
                        .execute()
                == 1);
    }

    /**
     * A letter's redrive outcome and, for {@link Outcome#DEAD_LETTERED}, its new reason.
     *
     * @param outcome the outcome
     * @param reason  the new reason when refused again, else ignored
     */
    public record Mark(Outcome outcome, String reason) {}

    /** The metering of one letter, storing through {@link UsageRecorder} (it joins the letter's transaction). */
    @FunctionalInterface
    public interface LetterWork {
        /** Meters and stores the letter; returns its mark. */
        Mark run() throws SQLException;
    }

    /**
     * Runs a letter's metering and marks the letter with its outcome, in one transaction: a letter is billed at most
     * once. When another redrive gave the letter a final outcome first, everything is rolled back.
     *
     * @param id   dead letter id
     * @param work meters and stores the letter
     * @param at   when
     * @return the outcome, or null when another redrive had already taken the letter (nothing was written)
     * @throws SQLException from the work or the mark (nothing was written)
     */
    public Outcome redrive(long id, LetterWork work, Instant at) throws SQLException {
        try {
            return database.inTransaction(h -> {
                Mark mark = work.run();
                if (!markRedriven(id, mark.outcome(), mark.reason(), at)) {
                    throw new TakenByAnother();
                }
                return mark.outcome();
            });
        } catch (TakenByAnother e) {
            return null;
        }
    }

    /** Rolls a letter's transaction back when another redrive marked it first. */
    private static final class TakenByAnother extends RuntimeException {
        TakenByAnother() {
            super("the letter was redriven by another run", null, false, false);
        }
    }

    /**
     * The redrive outcome stored for a letter, or null when it was never redriven (or does not exist).
     *
     * @throws SQLException when the database fails
     */
    public Outcome outcome(long id) throws SQLException {
        List<String> values =
                database.withHandle(h -> h.createQuery("SELECT redrive_outcome FROM dead_letters WHERE id = :id")
                        .bind("id", id)
                        .map((rs, ctx) -> rs.getString("redrive_outcome"))
                        .list());
        return values.isEmpty() || values.get(0) == null ? null : Outcome.of(values.get(0));
    }

    /** {@code :name0, :name1, …}: the placeholders of an IN list. */
    private static String params(String name, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(i == 0 ? ":" : ", :").append(name).append(i);
        }
        return text.toString();
    }

    private static String likeEscaped(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }
}
