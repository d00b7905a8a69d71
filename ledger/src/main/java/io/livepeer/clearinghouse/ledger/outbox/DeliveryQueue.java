package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.PgArrays;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.SqlDialect;
import io.livepeer.clearinghouse.ledger.Texts;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * The delivery side of the usage outbox: events wait in {@code outbox_pending} (a narrow queue beside the immutable
 * {@code outbox_events}) until OpenMeter accepts them (the row is deleted: {@code DELIVERED}) or refuses them (moved
 * to {@code outbox_rejected} with the problem detail: {@code REJECTED}). States only move forward, except that an
 * operator may {@link #requeue} rejected events.
 *
 * <p><b>Claims.</b> A delivery pass {@link #claim}s the rows it sends: it takes them with
 * {@code SELECT … FOR UPDATE SKIP LOCKED} and marks them with this queue's owner (an instance id) and a lease end,
 * in one transaction, so concurrent claimers (threads, instances on one PostgreSQL) never get the same row. Settling a
 * row ({@link #markDelivered}, {@link #markRejected}, {@link #recordFailures}, {@link #release}) ends the claim; the
 * rows of an instance that died stay claimed until the lease runs out, then any instance takes them over (and sends
 * them again: at least once). H2 runs in one process: there the claim keeps one instance's passes apart, nothing
 * more (an H2 database is single-instance).
 *
 * <p><b>Scheduling.</b> Only due rows are claimed: a failed event carries its own next-attempt time and the largest
 * request it may travel in, so one failing event does not hold up the others (see {@link #recordFailures}).
 */
public final class DeliveryQueue {

    private static final int MAX_ERROR = 4000;
    private static final int MAX_OWNER = 200;

    private final Database database;
    private final String owner;
    private final Duration lease;

    /**
     * @param database the database
     * @param owner    the claiming instance's id (see {@link #instanceId()}), at most 200 characters
     * @param lease    how long a claim holds without being settled: longer than a pass can take to send its rows
     */
    public DeliveryQueue(Database database, String owner, Duration lease) {
        if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER) {
            throw new IllegalArgumentException("owner must be 1 to " + MAX_OWNER + " characters");
        }
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, got " + lease);
        }
        this.database = database;
        this.owner = owner;
        this.lease = lease;
    }

    /** A unique id for this process: {@code pid@host/random}, clipped to 200 characters. */
    public static String instanceId() {
        String id = ManagementFactory.getRuntimeMXBean().getName() + "/"
                + UUID.randomUUID().toString().substring(0, 8);
        return id.length() <= MAX_OWNER ? id : id.substring(id.length() - MAX_OWNER);
    }

    /** How long a claim holds without being settled. */
    public Duration lease() {
        return lease;
    }

    /** This queue's owner id, as written in {@code claimed_by}. */
    public String owner() {
        return owner;
    }

    /**
     * Claims the oldest due events for this owner until {@code now + lease}: pending rows in outbox order whose claim
     * is absent or expired and whose next attempt is due ({@code next_attempt_at} absent or not after {@code now}).
     * Rows locked by a concurrent claim are skipped, so two claimers never return the same event.
     *
     * @param limit at most this many
     * @param now   the claim time (the caller's clock)
     * @return the claimed events in outbox order, with their payloads
     * @throws SQLException when the database fails (nothing is claimed then)
     */
    public List<PendingEvent> claim(int limit, Instant now) throws SQLException {
        Instant until = now.plus(lease);
        if (database.dialect() == SqlDialect.POSTGRESQL) {
            return claimInOneStatement(limit, now, until);
        }
        return database.inTransaction(h -> {
            List<Long> seqs = h.createQuery("SELECT seq FROM outbox_pending"
                            + " WHERE (claimed_until IS NULL OR claimed_until <= :now)"
                            + " AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
                            + " ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED")
                    .bind("now", now)
                    .bind("limit", limit)
                    .mapTo(Long.class)
                    .list();
            if (seqs.isEmpty()) {
                return List.of();
            }
            PreparedBatch mark = h.prepareBatch(
                    "UPDATE outbox_pending SET claimed_by = :owner, claimed_until = :until WHERE seq = :seq");
            seqs.forEach(seq -> mark.bind("owner", owner)
                    .bind("until", until)
                    .bind("seq", seq)
                    .add());
            mark.execute();
            return h.createQuery("SELECT p.seq, o.event_id, o.cloud_event, p.attempts, p.max_batch,"
                            + " p.last_attempt_at, p.last_refused_at"
                            + " FROM outbox_pending p JOIN outbox_events o ON o.seq = p.seq"
                            // longs read from the database: safe to inline (NOP template engine, no bindList)
                            + " WHERE p.seq IN (" + joined(seqs) + ") ORDER BY p.seq")
                    .map((rs, ctx) -> pendingEvent(rs))
                    .list();
        });
    }

    /**
     * PostgreSQL: {@link #claim} as one statement (lock the due rows with {@code SKIP LOCKED}, mark them, return them
     * with their payloads), one round trip and one statement text, instead of a select, an update per row and a
     * select with an id list that is planned anew per pass: the claim ran once per delivery pass and cost about as
     * much database time as the metering batch it followed (measured, docs/benchmarks.md).
     */
    private List<PendingEvent> claimInOneStatement(int limit, Instant now, Instant until) throws SQLException {
        return database.inTransaction(h -> {
            try (PreparedStatement claim = h.getConnection().prepareStatement(CLAIM_PG)) {
                OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
                claim.setObject(1, at);
                claim.setObject(2, at);
                claim.setInt(3, limit);
                claim.setString(4, owner);
                claim.setObject(5, OffsetDateTime.ofInstant(until, ZoneOffset.UTC));
                List<PendingEvent> claimed = new ArrayList<>();
                try (ResultSet rs = claim.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(pendingEvent(rs));
                    }
                }
                return claimed;
            }
        });
    }

    /** One claimed row of either claim: its {@code outbox_pending} state and the event's payload. */
    private static PendingEvent pendingEvent(ResultSet rs) throws SQLException {
        return new PendingEvent(
                rs.getLong("seq"),
                rs.getString("event_id"),
                rs.getString("cloud_event"),
                rs.getInt("attempts"),
                Optional.ofNullable(Rows.nullableInt(rs, "max_batch")).orElse(0),
                Rows.instant(rs, "last_attempt_at"),
                Rows.instant(rs, "last_refused_at"));
    }

    /** The PostgreSQL claim: the same rows, order and marks as the portable three statements of {@link #claim}. */
    private static final String CLAIM_PG = "WITH due AS (SELECT seq FROM outbox_pending"
            + " WHERE (claimed_until IS NULL OR claimed_until <= ?)"
            + " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            + " ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED),"
            + " marked AS (UPDATE outbox_pending p SET claimed_by = ?, claimed_until = ? FROM due WHERE p.seq = due.seq"
            + " RETURNING p.seq, p.attempts, p.max_batch, p.last_attempt_at, p.last_refused_at)"
            + " SELECT m.seq, o.event_id, o.cloud_event, m.attempts, m.max_batch, m.last_attempt_at, m.last_refused_at"
            + " FROM marked m JOIN outbox_events o ON o.seq = m.seq ORDER BY m.seq";

    /**
     * Marks events delivered (OpenMeter answered 2xx), whoever holds their claim. Events no longer pending are left
     * alone. One primary-key delete per event in a JDBC batch ({@code = ANY(?)} is a full scan on H2), bound with
     * plain JDBC on the handle's connection: the delivery hot path.
     *
     * @return how many were pending
     */
    public int markDelivered(List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.inTransaction(h -> {
            if (database.dialect() == SqlDialect.POSTGRESQL) {
                // one statement, one array: one index probe per id like the batch, without a round trip per row
                Connection c = h.getConnection();
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox_pending WHERE seq = ANY(?)")) {
                    PgArrays.longs(
                            delete, 1, seqs.stream().mapToLong(Long::longValue).toArray());
                    return delete.executeUpdate();
                }
            }
            try (PreparedStatement delete =
                    h.getConnection().prepareStatement("DELETE FROM outbox_pending WHERE seq = ?")) {
                for (long seq : seqs) {
                    delete.setLong(1, seq);
                    delete.addBatch();
                }
                return changed(delete.executeBatch());
            }
        });
    }

    /**
     * Records a failed delivery attempt of each event (to be retried: 429, 5xx, timeout, connection error, a
     * systemic 4xx, or a refusal not confirmed as the event's own) and ends this owner's claim on it: attempts + 1,
     * the error, the attempt time, and the event's next-attempt time and request-size limit. A row claimed by another
     * owner meanwhile (this claim had expired) is left to that owner.
     *
     * @param retries what to record per event
     * @param error   what went wrong, clipped to 4,000 characters
     * @param at      the attempt time
     * @return how many were updated
     */
    public int recordFailures(List<Retry> retries, String error, Instant at) throws SQLException {
        if (retries.isEmpty()) {
            return 0;
        }
        String clipped = Texts.clip(error, MAX_ERROR);
        return database.inTransaction(h -> {
            PreparedBatch update = h.prepareBatch("UPDATE outbox_pending SET attempts = attempts + 1,"
                    + " last_error = :error, last_attempt_at = :at, next_attempt_at = :next, max_batch = :max,"
                    + " last_refused_at = COALESCE(:refused, last_refused_at), claimed_by = NULL, claimed_until = NULL"
                    + " WHERE seq = :seq AND (claimed_by IS NULL OR claimed_by = :owner)");
            retries.forEach(r -> update.bind("error", clipped)
                    .bind("at", at)
                    .bind("next", r.notBefore())
                    .bind("max", r.maxBatch() > 0 ? r.maxBatch() : null)
                    .bindByType("refused", r.refused() ? at : null, Instant.class)
                    .bind("seq", r.seq())
                    .bind("owner", owner)
                    .add());
            return changed(update.execute());
        });
    }

    /**
     * Ends this owner's claim on events that were claimed but not sent (the pass stopped early), without counting an
     * attempt: they are claimable again at once.
     *
     * @return how many claims were released
     */
    public int release(List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.inTransaction(h -> {
            PreparedBatch update = h.prepareBatch("UPDATE outbox_pending SET claimed_by = NULL, claimed_until = NULL"
                    + " WHERE seq = :seq AND claimed_by = :owner");
            seqs.forEach(seq -> update.bind("seq", seq).bind("owner", owner).add());
            return changed(update.execute());
        });
    }

    /**
     * Moves one event to the rejected events with the server's problem detail (clipped to 4,000 characters).
     *
     * @return false if it was not pending
     */
    public boolean markRejected(long seq, String problemDetail, Instant at) throws SQLException {
        return database.inTransaction(h -> {
            int moved = h.createUpdate("INSERT INTO outbox_rejected (seq, detail, attempts, rejected_at)"
                            + " SELECT seq, :detail, attempts + 1, :at FROM outbox_pending WHERE seq = :seq")
                    .bind("detail", Texts.clip(problemDetail, MAX_ERROR))
                    .bind("at", at)
                    .bind("seq", seq)
                    .execute();
            if (moved == 0) {
                return false;
            }
            h.createUpdate("DELETE FROM outbox_pending WHERE seq = :seq")
                    .bind("seq", seq)
                    .execute();
            return true;
        });
    }

    /**
     * Rejected events matching a filter, oldest rejection first: what {@link #requeue} would move.
     *
     * @param limit at most this many
     */
    public List<RejectedEvent> rejected(RejectedFilter filter, int limit) throws SQLException {
        return database.withHandle(h -> selectRejected(h, filter, limit, false));
    }

    /**
     * Moves rejected events matching a filter back to pending, to be sent again on the next pass (operators use it
     * after fixing what made OpenMeter refuse them: {@code ./clearinghouse outbox requeue}). Each keeps its attempt
     * count; its last error says it was requeued and why it had been rejected. One transaction.
     *
     * @param at the requeue time (the events' {@code last_attempt_at})
     * @return the events moved
     */
    public List<RejectedEvent> requeue(RejectedFilter filter, Instant at) throws SQLException {
        return database.inTransaction(h -> {
            List<RejectedEvent> events = selectRejected(h, filter, Integer.MAX_VALUE, true);
            if (events.isEmpty()) {
                return events;
            }
            PreparedBatch insert = h.prepareBatch("INSERT INTO outbox_pending (seq, attempts, last_error,"
                    + " last_attempt_at) VALUES (:seq, :attempts, :error, :at)");
            PreparedBatch delete = h.prepareBatch("DELETE FROM outbox_rejected WHERE seq = :seq");
            for (RejectedEvent e : events) {
                insert.bind("seq", e.seq())
                        .bind("attempts", e.attempts())
                        .bind("error", Texts.clip("requeued; had been rejected: " + e.detail(), MAX_ERROR))
                        .bind("at", at)
                        .add();
                delete.bind("seq", e.seq()).add();
            }
            insert.execute();
            delete.execute();
            return events;
        });
    }

    /** Delivered events (neither pending nor rejected) of one subject with usage time in [from, to). */
    private static final String DELIVERED_OF_SUBJECT = " FROM outbox_events o WHERE o.subject = :subject"
            + " AND o.event_time >= :from AND o.event_time < :to"
            + " AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.seq = o.seq)"
            + " AND NOT EXISTS (SELECT 1 FROM outbox_rejected r WHERE r.seq = o.seq)";

    /**
     * What {@link #resend} would queue again for one subject and period: its delivered events, and how many of them
     * no longer have their CloudEvent (removed by retention: they cannot be sent again).
     *
     * @param from start of the period (usage time), inclusive
     * @param to   end, exclusive
     */
    public Resendable resendable(String subject, Instant from, Instant to) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT COUNT(*) AS delivered,"
                        + " COALESCE(SUM(CASE WHEN o.cloud_event IS NULL THEN 1 ELSE 0 END), 0) AS without_payload"
                        + DELIVERED_OF_SUBJECT)
                .bind("subject", subject)
                .bind("from", from)
                .bind("to", to)
                .map((rs, ctx) -> new Resendable(subject, rs.getLong("delivered"), rs.getLong("without_payload")))
                .one());
    }

    /**
     * Queues the delivered events of one subject and period for delivery again (with their CloudEvent), for usage
     * OpenMeter lost ({@code ./clearinghouse reconcile openmeter --resend-missing --apply}). Safe only where OpenMeter
     * deduplicates by CloudEvent (source, id): Konnect, or self-hosted with {@code dedupe.enabled}; the events it
     * already counted are then dropped and the lost ones counted. Each starts with no attempts; its last error says
     * why it was queued again. One transaction.
     *
     * @param why the reason kept as the events' last error
     * @param at  the time (the events' {@code last_attempt_at})
     * @return events queued again
     */
    public int resend(String subject, Instant from, Instant to, String why, Instant at) throws SQLException {
        return database.inTransaction(h -> h.createUpdate("INSERT INTO outbox_pending (seq, attempts, last_error,"
                        + " last_attempt_at) SELECT o.seq, 0, :error, :at" + DELIVERED_OF_SUBJECT
                        + " AND o.cloud_event IS NOT NULL")
                .bind("subject", subject)
                .bind("from", from)
                .bind("to", to)
                .bind("error", Texts.clip(why, MAX_ERROR))
                .bind("at", at)
                .execute());
    }

    /**
     * @param subject        customer key
     * @param delivered      delivered events of the period
     * @param withoutPayload of them, those whose CloudEvent retention removed (not sent again)
     */
    public record Resendable(String subject, long delivered, long withoutPayload) {
        /** Events a resend queues. */
        public long resendable() {
            return delivered - withoutPayload;
        }
    }

    private static List<RejectedEvent> selectRejected(Handle h, RejectedFilter filter, int limit, boolean lock) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        Map<String, Object> args = new HashMap<>();
        if (filter.reason() != null && !filter.reason().isEmpty()) {
            where.append(" AND LOWER(r.detail) LIKE :reason ESCAPE '!'");
            args.put("reason", "%" + likeEscaped(filter.reason().toLowerCase(Locale.ROOT)) + "%");
        }
        if (filter.httpStatus() != null) {
            where.append(" AND r.detail LIKE :status");
            args.put("status", "HTTP " + filter.httpStatus() + ":%");
        }
        if (filter.from() != null) {
            where.append(" AND r.rejected_at >= :from");
            args.put("from", filter.from());
        }
        if (filter.to() != null) {
            where.append(" AND r.rejected_at < :to");
            args.put("to", filter.to());
        }
        if (lock) {
            // the rejected rows must not change until they are moved (H2 refuses FOR UPDATE on a join)
            Query locking = h.createQuery("SELECT r.seq FROM outbox_rejected r" + where + " FOR UPDATE");
            args.forEach(locking::bind);
            if (locking.mapTo(Long.class).list().isEmpty()) {
                return new ArrayList<>();
            }
        }
        Query query = h.createQuery("SELECT r.seq, o.event_id, o.subject, o.event_time, r.detail, r.attempts,"
                + " r.rejected_at FROM outbox_rejected r JOIN outbox_events o ON o.seq = r.seq" + where
                + " ORDER BY r.rejected_at, r.seq" + (limit == Integer.MAX_VALUE ? "" : " LIMIT " + limit));
        args.forEach(query::bind);
        return query.map((rs, ctx) -> new RejectedEvent(
                        rs.getLong("seq"),
                        rs.getString("event_id"),
                        rs.getString("subject"),
                        Rows.instant(rs, "event_time"),
                        rs.getString("detail"),
                        rs.getInt("attempts"),
                        Rows.instant(rs, "rejected_at")))
                .list();
    }

    private static String joined(List<Long> seqs) {
        StringBuilder out = new StringBuilder();
        for (long seq : seqs) {
            out.append(out.isEmpty() ? "" : ", ").append(seq);
        }
        return out.toString();
    }

    private static String likeEscaped(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    /** Number of events waiting for delivery (the backlog gauge). */
    public long pendingCount() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT COUNT(*) AS pending FROM outbox_pending")
                .map((rs, ctx) -> rs.getLong("pending"))
                .one());
    }

    /** When the oldest pending event was written, if any is pending. */
    public Optional<Instant> oldestPendingSince() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT o.created_at FROM outbox_events o"
                        + " WHERE o.seq = (SELECT MIN(seq) FROM outbox_pending)")
                .map((rs, ctx) -> Rows.instant(rs, "created_at"))
                .findOne());
    }

    private static int changed(int[] counts) {
        int changed = 0;
        for (int count : counts) {
            changed += Math.max(count, 0);
        }
        return changed;
    }

    /**
     * An event claimed for delivery.
     *
     * @param seq           outbox position
     * @param eventId       CloudEvent id
     * @param cloudEvent    CloudEvent JSON
     * @param attempts      failed delivery attempts so far
     * @param maxBatch      the largest request it may travel in after failed requests, 0 = no limit of its own
     * @param lastAttemptAt time of the last failed attempt, or null
     * @param lastRefusedAt time OpenMeter last refused it alone without that being confirmed as its fault, or null
     */
    public record PendingEvent(
            long seq,
            String eventId,
            String cloudEvent,
            int attempts,
            int maxBatch,
            Instant lastAttemptAt,
            Instant lastRefusedAt) {}

    /**
     * What to record for one event whose delivery attempt failed.
     *
     * @param seq       outbox position
     * @param notBefore when it may be claimed again
     * @param maxBatch  the largest request it may travel in from now on, 0 = no limit of its own
     * @param refused   OpenMeter refused it alone (400/413/422) but that was not confirmed as its own fault
     */
    public record Retry(long seq, Instant notBefore, int maxBatch, boolean refused) {}

    /**
     * Which rejected events to list or requeue; null fields do not filter.
     *
     * @param reason     text the problem detail contains (case-insensitive)
     * @param httpStatus the HTTP status OpenMeter refused them with (400, 413, 422)
     * @param from       rejected at or after
     * @param to         rejected before
     */
    public record RejectedFilter(String reason, Integer httpStatus, Instant from, Instant to) {}

    /**
     * A rejected event.
     *
     * @param detail     OpenMeter's answer ({@code HTTP <status>: <problem detail>})
     * @param attempts   delivery attempts, the refusing one included
     * @param rejectedAt when it was rejected
     */
    public record RejectedEvent(
            long seq,
            String eventId,
            String subject,
            Instant eventTime,
            String detail,
            int attempts,
            Instant rejectedAt) {}
}
