package io.livepeer.clearinghouse.ledger;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

/**
 * Retention of what the metering pipeline keeps only for operators: the CloudEvent JSON of events delivered long ago,
 * and old dead letters. Never ledger transfers or balances, never an outbox row itself, never a pending or rejected
 * event.
 *
 * <ul>
 *   <li><b>Delivered payloads.</b> The {@code cloud_event} of an event that is DELIVERED (neither pending nor
 *       rejected) and whose usage time ({@code event_time}) is older than the policy's age is set to NULL. The row
 *       stays: it is the local usage record (subject, time, amounts, price) that the usage API, the ledger
 *       reconciliation (one usage transfer per event) and replays' deduplication (the event id) rely on. The payload
 *       is only needed to send the event again, and OpenMeter and Konnect refuse or ignore events older than their
 *       backdating window (~30 days), so past that age it has no use left. Age is measured on the usage time because
 *       the outbox records no delivery time and usage time is indexed; delivery normally follows metering within
 *       seconds, and an event still pending or rejected is never touched whatever its age.</li>
 *   <li><b>Dead letters</b> whose {@code created_at} is older than the policy's age are deleted (raw bytes, reason
 *       and Kafka coordinates). A Kafka record dead-lettered again after that (a replay) is simply recorded again.</li>
 *   <li><b>Completeness rows</b> ({@code ticket_events}), with the delivered payloads' age: the events of payment
 *       sessions that are closed (no open gap: {@code ticket_sessions.missing = 0}) and were last seen before the
 *       cutoff, and events without a session seen before it. A session with an open gap keeps every event (the gap
 *       read needs them); a closed session keeps its summary row, which records the highest number pruned
 *       ({@code pruned_through}), so an event of it arriving later is still placed after it. Past that age a late
 *       event is dead-lettered as too old anyway, so the fork checks lose nothing that could still be billed.</li>
 * </ul>
 *
 * <p>Work is done in batches, each its own short transaction, so the metering and delivery transactions are never
 * held up for long. Every step is an idempotent set-based UPDATE or DELETE: instances that prune at the same time
 * only find less to do. Thread-safe.
 */
public final class Retention {

    private static final String DELIVERED_OLD_PAYLOADS = " FROM outbox_events o WHERE o.event_time < :cutoff"
            + " AND o.cloud_event IS NOT NULL"
            + " AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.seq = o.seq)"
            + " AND NOT EXISTS (SELECT 1 FROM outbox_rejected r WHERE r.seq = o.seq)";
    private static final String OLD_DEAD_LETTERS = " FROM dead_letters d WHERE d.created_at < :cutoff";

    private final Database database;
    private final Clock clock;

    /**
     * @param database the database
     * @param clock    the clock ages are measured against
     */
    public Retention(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * What to keep.
     *
     * @param outboxPayloadAge delivered payloads whose usage time is older than this are removed; null = keep all
     * @param deadLetterAge    dead letters older than this are removed; null = keep all
     * @param batchSize        rows per transaction (at least 1)
     */
    public record Policy(Duration outboxPayloadAge, Duration deadLetterAge, int batchSize) {
        public Policy {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            if (outboxPayloadAge != null && outboxPayloadAge.isNegative()
                    || deadLetterAge != null && deadLetterAge.isNegative()) {
                throw new IllegalArgumentException("retention ages must not be negative");
            }
        }
    }

    /**
     * What a pass would remove now, or removed.
     *
     * @param outboxPayloadCutoff delivered payloads of usage before this are removed (null: kept)
     * @param outboxPayloads      delivered payloads removed (or that would be)
     * @param outboxPayloadChars  their size in characters (a dry run only; 0 after a pass)
     * @param deadLetterCutoff    dead letters created before this are removed (null: kept)
     * @param deadLetters         dead letters removed (or that would be)
     */
    public record Report(
            Instant outboxPayloadCutoff,
            long outboxPayloads,
            long outboxPayloadChars,
            Instant deadLetterCutoff,
            long deadLetters,
            long ticketEvents) {

        /** Without completeness rows removed. */
        public Report(
                Instant outboxPayloadCutoff,
                long outboxPayloads,
                long outboxPayloadChars,
                Instant deadLetterCutoff,
                long deadLetters) {
            this(outboxPayloadCutoff, outboxPayloads, outboxPayloadChars, deadLetterCutoff, deadLetters, 0);
        }

        /** One line for the log and the launcher. */
        public String summary(boolean dryRun) {
            String verb = dryRun ? "would remove " : "removed ";
            return verb
                    + (outboxPayloadCutoff == null
                            ? "no outbox payloads (kept forever)"
                            : outboxPayloads + " delivered outbox payload(s) of usage before " + outboxPayloadCutoff
                                    + (dryRun ? " (" + outboxPayloadChars + " characters)" : ""))
                    + " and "
                    + (deadLetterCutoff == null
                            ? "no dead letters (kept forever)"
                            : deadLetters + " dead letter(s) created before " + deadLetterCutoff)
                    + (ticketEvents == 0
                            ? ""
                            : ", and " + ticketEvents + " completeness row(s) (ticket_events) of closed payment"
                                    + " sessions last seen before " + outboxPayloadCutoff);
        }
    }

    /** The events of closed sessions last seen before the cutoff that retention has not removed yet. */
    private static final String CLOSED_OLD_SESSIONS = " FROM ticket_sessions s WHERE s.missing = 0"
            + " AND s.last_seen < :cutoff AND (s.pruned_through IS NULL OR s.pruned_through < s.max_seq)";

    /** Counts what {@link #prune} would remove now; changes nothing. */
    public Report report(Policy policy) throws SQLException {
        Instant now = clock.instant();
        Instant payloadCutoff = cutoff(now, policy.outboxPayloadAge());
        Instant deadLetterCutoff = cutoff(now, policy.deadLetterAge());
        return database.withHandle(h -> {
            long payloads = 0;
            long chars = 0;
            if (payloadCutoff != null) {
                var row = h.createQuery("SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(o.cloud_event)), 0) AS chars"
                                + DELIVERED_OLD_PAYLOADS)
                        .bind("cutoff", payloadCutoff)
                        .map((rs, ctx) -> new long[] {rs.getLong("n"), rs.getLong("chars")})
                        .one();
                payloads = row[0];
                chars = row[1];
            }
            long deadLetters = deadLetterCutoff == null ? 0 : count(h, OLD_DEAD_LETTERS, deadLetterCutoff);
            long ticketEvents = 0;
            if (payloadCutoff != null) {
                ticketEvents = count(
                                h,
                                " FROM ticket_events e JOIN ticket_sessions s ON e.signer = s.signer"
                                        + " AND e.subject = s.subject AND e.session_id = s.session_id"
                                        + " WHERE s.missing = 0 AND s.last_seen < :cutoff",
                                payloadCutoff)
                        + count(
                                h,
                                " FROM ticket_events e WHERE e.session_id IS NULL AND e.seen_at < :cutoff",
                                payloadCutoff);
            }
            return new Report(payloadCutoff, payloads, chars, deadLetterCutoff, deadLetters, ticketEvents);
        });
    }

    /** Removes what the policy allows, batch by batch, and says how much. */
    public Report prune(Policy policy) throws SQLException {
        Instant now = clock.instant();
        Instant payloadCutoff = cutoff(now, policy.outboxPayloadAge());
        Instant deadLetterCutoff = cutoff(now, policy.deadLetterAge());
        long payloads = 0;
        if (payloadCutoff != null) {
            // walk the old events in (event_time, seq) order with a cursor, so each batch starts where the last one
            // ended instead of scanning the payloads already removed again (event_time is indexed)
            Cursor cursor = null;
            while (true) {
                Cursor after = cursor;
                List<Cursor> batch = database.withHandle(h -> {
                    Query select = h.createQuery("SELECT o.seq, o.event_time" + DELIVERED_OLD_PAYLOADS
                                    + (after == null
                                            ? ""
                                            : " AND (o.event_time > :after_time OR (o.event_time = :after_time"
                                                    + " AND o.seq > :after_seq))")
                                    + " ORDER BY o.event_time, o.seq LIMIT :limit")
                            .bind("cutoff", payloadCutoff)
                            .bind("limit", policy.batchSize());
                    if (after != null) {
                        select.bind("after_time", after.eventTime()).bind("after_seq", after.seq());
                    }
                    return select.map((rs, ctx) -> new Cursor(Rows.instant(rs, "event_time"), rs.getLong("seq")))
                            .list();
                });
                if (batch.isEmpty()) {
                    break;
                }
                // the conditions again on the updated rows: an event requeued meanwhile keeps its payload
                payloads += database.inTransaction(h -> {
                    Update update = h.createUpdate("UPDATE outbox_events SET cloud_event = NULL WHERE seq IN ("
                            + String.join(
                                    ", ",
                                    IntStream.range(0, batch.size())
                                            .mapToObj(i -> ":s" + i)
                                            .toList())
                            + ") AND cloud_event IS NOT NULL"
                            + " AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.seq = outbox_events.seq)"
                            + " AND NOT EXISTS (SELECT 1 FROM outbox_rejected r WHERE r.seq = outbox_events.seq)");
                    for (int i = 0; i < batch.size(); i++) {
                        update.bind("s" + i, batch.get(i).seq());
                    }
                    return update.execute();
                });
                if (batch.size() < policy.batchSize()) {
                    break;
                }
                cursor = batch.get(batch.size() - 1);
            }
        }
        long deadLetters = 0;
        if (deadLetterCutoff != null) {
            int n;
            do {
                n = database.inTransaction(h -> h.createUpdate("DELETE FROM dead_letters WHERE id IN (SELECT d.id"
                                + OLD_DEAD_LETTERS + " ORDER BY d.id LIMIT :limit)")
                        .bind("cutoff", deadLetterCutoff)
                        .bind("limit", policy.batchSize())
                        .execute());
                deadLetters += n;
            } while (n >= policy.batchSize());
        }
        long ticketEvents = payloadCutoff == null ? 0 : pruneTicketEvents(payloadCutoff, policy.batchSize());
        return new Report(payloadCutoff, payloads, 0, deadLetterCutoff, deadLetters, ticketEvents);
    }

    /**
     * Removes the completeness rows of closed sessions last seen before {@code cutoff}, one session per transaction
     * (its summary row first, guarded by {@code missing = 0} and the same {@code max_seq}, so a session that an event
     * reopened or extended meanwhile is left alone, and metering that meets the session waits for the row), then the
     * events without a session seen before the cutoff in batches.
     */
    private long pruneTicketEvents(Instant cutoff, int batchSize) throws SQLException {
        long removed = 0;
        while (true) {
            List<Object[]> sessions =
                    database.withHandle(h -> h.createQuery("SELECT s.signer, s.subject, s.session_id, s.max_seq"
                                    + CLOSED_OLD_SESSIONS + " ORDER BY s.last_seen LIMIT :limit")
                            .bind("cutoff", cutoff)
                            .bind("limit", batchSize)
                            .map((rs, ctx) -> new Object[] {
                                rs.getString("signer"),
                                rs.getString("subject"),
                                rs.getString("session_id"),
                                rs.getLong("max_seq")
                            })
                            .list());
            for (Object[] session : sessions) {
                removed += database.inTransaction(h -> {
                    int marked = h.createUpdate(
                                    "UPDATE ticket_sessions SET pruned_through = :max WHERE signer = :signer"
                                            + " AND subject = :subject AND session_id = :session AND missing = 0"
                                            + " AND max_seq = :max")
                            .bind("signer", (String) session[0])
                            .bind("subject", (String) session[1])
                            .bind("session", (String) session[2])
                            .bind("max", (long) session[3])
                            .execute();
                    if (marked == 0) {
                        return 0;
                    }
                    return h.createUpdate("DELETE FROM ticket_events WHERE signer = :signer AND subject = :subject"
                                    + " AND session_id = :session AND sequence_number <= :max")
                            .bind("signer", (String) session[0])
                            .bind("subject", (String) session[1])
                            .bind("session", (String) session[2])
                            .bind("max", (long) session[3])
                            .execute();
                });
            }
            if (sessions.size() < batchSize) {
                break;
            }
        }
        int n;
        do {
            n = database.inTransaction(h -> h.createUpdate("DELETE FROM ticket_events WHERE id IN (SELECT e.id FROM"
                            + " ticket_events e WHERE e.session_id IS NULL AND e.seen_at < :cutoff ORDER BY e.id"
                            + " LIMIT :limit)")
                    .bind("cutoff", cutoff)
                    .bind("limit", batchSize)
                    .execute());
            removed += n;
        } while (n >= batchSize);
        return removed;
    }

    /** A position in the (event_time, seq) order of the outbox. */
    private record Cursor(Instant eventTime, long seq) {}

    private static Instant cutoff(Instant now, Duration age) {
        return age == null ? null : now.minus(age);
    }

    private static long count(Handle h, String from, Instant cutoff) {
        return h.createQuery("SELECT COUNT(*) AS n" + from)
                .bind("cutoff", cutoff)
                .map((rs, ctx) -> rs.getLong("n"))
                .one();
    }
}
