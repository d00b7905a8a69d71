package io.livepeer.clearinghouse.ledger.completeness;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The write side of completeness tracking ({@code ticket_events}, migration V7), run inside the metering batch
 * transaction before the outbox insert: it records every new metered event's content hash and payment-session
 * position, and screens out <b>forks</b>, which are quarantined as dead letters with reason {@value #FORK} instead of
 * being billed:
 * <ul>
 *   <li>an event id seen before (in the database or earlier in the batch) with a different content hash;</li>
 *   <li>a (signer, subject, session, sequence number) already billed by another event id (whatever its fee: one
 *       signing call is billed once; a different fee is named in the reason).</li>
 * </ul>
 * An event id seen before with the same hash is a plain duplicate and passes on (the outbox counts it). Concurrency:
 * only inserts, no shared row; an instance racing another on the same id or sequence gets a unique violation (SQLSTATE
 * 23505), which the metering batch processor answers by storing the batch again in parts, each of which re-reads what
 * the other instance committed and classifies it as above.
 */
public final class TicketTracker {

    /** Start of the reason of a fork's dead letter. */
    public static final String FORK = "fork";

    /** Rows per multi-row statement: 500 × 10 parameters. */
    private static final int ROWS_PER_STATEMENT = 500;

    private final Database database;

    public TicketTracker(Database database) {
        this.database = database;
    }

    /**
     * Screens a batch and records its new events, in the caller's transaction.
     *
     * @param metered metered events, in consumption order
     * @param facts   for each of {@code metered}, its facts (same size and order)
     * @param now     the time the events are seen ({@code seen_at})
     * @return the events to store in the outbox (new ones and plain duplicates) and the forks to quarantine
     * @throws SQLException when a statement fails, among them a unique violation when another instance committed the
     *     same id or sequence since this batch read them
     */
    public Screened screen(List<OutboxEntry> metered, List<TicketFacts> facts, Instant now) throws SQLException {
        return classify(metered, facts, Objects.requireNonNull(now));
    }

    /**
     * What {@link #screen} would decide for this batch now, without recording anything: for dry runs, and for a
     * redrive that must name a fork's reason.
     */
    public Screened preview(List<OutboxEntry> metered, List<TicketFacts> facts) throws SQLException {
        return classify(metered, facts, null);
    }

    /** Screens; records the new events seen at {@code now}, or nothing when {@code now} is null. */
    private Screened classify(List<OutboxEntry> metered, List<TicketFacts> facts, Instant now) throws SQLException {
        if (metered.size() != facts.size()) {
            throw new IllegalArgumentException("one TicketFacts per metered event");
        }
        if (metered.isEmpty()) {
            return new Screened(List.of(), List.of());
        }
        return database.inTransaction(h -> {
            Connection c = h.getConnection();
            Map<String, String> hashById = hashesById(c, metered);
            Map<SequenceKey, Known> bySequence = knownSequences(c, metered, facts);
            List<OutboxEntry> store = new ArrayList<>();
            List<Fork> forks = new ArrayList<>();
            List<Integer> fresh = new ArrayList<>();
            for (int i = 0; i < metered.size(); i++) {
                OutboxEntry e = metered.get(i);
                TicketFacts f = facts.get(i);
                String knownHash = hashById.get(e.eventId());
                if (knownHash != null) {
                    if (knownHash.equals(f.contentHash())) {
                        store.add(e); // a redelivery or replay: the outbox counts it as a duplicate
                    } else {
                        forks.add(fork(
                                e,
                                f,
                                e.eventId(),
                                "fork: event id " + e.eventId() + " was seen before with different content"));
                    }
                    continue;
                }
                SequenceKey key = f.sequenced() ? SequenceKey.of(e, f) : null;
                Known known = key == null ? null : bySequence.get(key);
                if (known != null) {
                    String fee = e.feeWei().equals(known.feeWei())
                            ? "the same fee (" + e.feeWei() + " wei)"
                            : "fee " + e.feeWei() + " wei (first: " + known.feeWei() + " wei)";
                    forks.add(fork(
                            e,
                            f,
                            known.eventId(),
                            "fork: session " + f.sessionId() + " sequence " + f.sequenceNumber() + " of signer '"
                                    + f.signer() + "' was billed by event " + known.eventId() + "; this event "
                                    + e.eventId() + " has " + fee));
                    continue;
                }
                hashById.put(e.eventId(), f.contentHash());
                if (key != null) {
                    bySequence.put(key, new Known(e.eventId(), e.feeWei()));
                }
                fresh.add(i);
                store.add(e);
            }
            if (now != null) {
                insert(c, metered, facts, fresh, now);
                summarize(c, metered, facts, fresh, now);
            }
            return new Screened(store, forks);
        });
    }

    /**
     * Keeps the first payload in each fork's dead letter: the outbox CloudEvent of the event billed first. Call after
     * the outbox insert and the dead-letter insert, in the same transaction.
     */
    public void attachFirstPayloads(List<Fork> forks) throws SQLException {
        if (forks.isEmpty()) {
            return;
        }
        database.inTransaction(h -> {
            try (PreparedStatement update = h.getConnection()
                    .prepareStatement("UPDATE dead_letters SET first_payload = (SELECT o.cloud_event FROM outbox_events"
                            + " o WHERE o.event_id = ?) WHERE kafka_topic = ? AND kafka_partition = ?"
                            + " AND kafka_offset = ? AND first_payload IS NULL")) {
                for (Fork fork : forks) {
                    update.setString(1, fork.firstEventId());
                    update.setString(2, fork.deadLetter().source().topic());
                    update.setInt(3, fork.deadLetter().source().partition());
                    update.setLong(4, fork.deadLetter().source().offset());
                    update.addBatch();
                }
                update.executeBatch();
            }
            return null;
        });
    }

    private static Fork fork(OutboxEntry e, TicketFacts f, String firstEventId, String reason) {
        if (e.source() == null) {
            throw new IllegalArgumentException("a tracked event needs its Kafka coordinates: " + e.eventId());
        }
        return new Fork(
                new DeadLetterEntry(
                        e.source(), f.kafkaKey(), e.eventId(), reason, f.raw() == null ? new byte[0] : f.raw()),
                firstEventId);
    }

    private static Map<String, String> hashesById(Connection c, List<OutboxEntry> metered) throws SQLException {
        Map<String, String> found = new HashMap<>();
        List<String> ids = metered.stream().map(OutboxEntry::eventId).distinct().toList();
        for (int from = 0; from < ids.size(); from += ROWS_PER_STATEMENT) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + ROWS_PER_STATEMENT));
            try (PreparedStatement select = c.prepareStatement("SELECT event_id, content_hash FROM ticket_events"
                    + " WHERE event_id IN (" + String.join(", ", Collections.nCopies(part.size(), "?")) + ")")) {
                for (int i = 0; i < part.size(); i++) {
                    select.setString(i + 1, part.get(i));
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString("event_id"), rs.getString("content_hash"));
                    }
                }
            }
        }
        return found;
    }

    private static Map<SequenceKey, Known> knownSequences(
            Connection c, List<OutboxEntry> metered, List<TicketFacts> facts) throws SQLException {
        List<SequenceKey> keys = new ArrayList<>();
        for (int i = 0; i < metered.size(); i++) {
            if (facts.get(i).sequenced()) {
                keys.add(SequenceKey.of(metered.get(i), facts.get(i)));
            }
        }
        keys = keys.stream().distinct().toList();
        Map<SequenceKey, Known> found = new HashMap<>();
        for (int from = 0; from < keys.size(); from += ROWS_PER_STATEMENT) {
            List<SequenceKey> part = keys.subList(from, Math.min(keys.size(), from + ROWS_PER_STATEMENT));
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT signer, subject, session_id, sequence_number, event_id, fee_wei FROM ticket_events"
                            + " WHERE (signer, subject, session_id, sequence_number) IN ("
                            + String.join(", ", Collections.nCopies(part.size(), "(?, ?, ?, ?)")) + ")")) {
                int p = 1;
                for (SequenceKey k : part) {
                    select.setString(p++, k.signer());
                    select.setString(p++, k.subject());
                    select.setString(p++, k.sessionId());
                    select.setLong(p++, k.sequenceNumber());
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        found.put(
                                new SequenceKey(
                                        rs.getString("signer"),
                                        rs.getString("subject"),
                                        rs.getString("session_id"),
                                        rs.getLong("sequence_number")),
                                new Known(
                                        rs.getString("event_id"),
                                        rs.getBigDecimal("fee_wei").toBigIntegerExact()));
                    }
                }
            }
        }
        return found;
    }

    private static void insert(
            Connection c, List<OutboxEntry> metered, List<TicketFacts> facts, List<Integer> fresh, Instant now)
            throws SQLException {
        OffsetDateTime seen = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        for (int from = 0; from < fresh.size(); from += ROWS_PER_STATEMENT) {
            List<Integer> part = fresh.subList(from, Math.min(fresh.size(), from + ROWS_PER_STATEMENT));
            // a plain INSERT: a row another instance committed since the reads above is a unique violation, never
            // silently skipped (the batch is then stored again in parts and classified against it)
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ticket_events (event_id, content_hash,"
                    + " signer, subject, session_id, sequence_number, num_tickets, fee_wei, network_usd_micros,"
                    + " seen_at) VALUES "
                    + String.join(", ", Collections.nCopies(part.size(), "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))) {
                int p = 1;
                for (int i : part) {
                    OutboxEntry e = metered.get(i);
                    TicketFacts f = facts.get(i);
                    insert.setString(p++, e.eventId());
                    insert.setString(p++, f.contentHash());
                    insert.setString(p++, f.signer());
                    insert.setString(p++, e.subject());
                    if (f.sequenced()) {
                        insert.setString(p++, f.sessionId());
                        insert.setLong(p++, f.sequenceNumber());
                    } else {
                        insert.setNull(p++, Types.VARCHAR);
                        insert.setNull(p++, Types.BIGINT);
                    }
                    insert.setLong(p++, f.numTickets());
                    insert.setBigDecimal(p++, new BigDecimal(e.feeWei()));
                    insert.setBigDecimal(p++, e.networkMicros());
                    insert.setObject(p++, seen);
                }
                insert.executeUpdate();
            }
        }
    }

    private static final String SESSION_UPDATE = "UPDATE ticket_sessions SET events = events + ?,"
            + " fee_wei = fee_wei + ?, network_usd_micros = network_usd_micros + ?, num_tickets = num_tickets + ?,"
            + " min_seq = LEAST(min_seq, ?), max_seq = GREATEST(max_seq, ?), first_seen = LEAST(first_seen, ?),"
            + " last_seen = GREATEST(last_seen, ?),"
            // every right-hand side reads the row as it was: the new missing count from the new bounds and count
            + " missing = GREATEST(max_seq, ?) - LEAST(min_seq, ?) + 1 - (events + ?)"
            + " + CASE WHEN LEAST(min_seq, ?) > 0 AND LEAST(first_seen, ?) >= ? THEN LEAST(min_seq, ?) ELSE 0 END"
            + " WHERE signer = ? AND subject = ? AND session_id = ?";

    private static final String SESSION_INSERT = "INSERT INTO ticket_sessions (signer, subject, session_id, min_seq,"
            + " max_seq, events, fee_wei, network_usd_micros, num_tickets, first_seen, last_seen, missing)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

    /** When a session's leading gap becomes reportable (constant: the start of tracking plus the grace), cached. */
    private volatile Instant leadingAfter;

    /**
     * Keeps each touched session's summary row ({@code ticket_sessions}, V10) up to date with the batch's new events,
     * in the caller's transaction: one batched UPDATE, an INSERT for sessions without a row, and the UPDATE again for
     * a row another instance inserted meanwhile. Sessions in key order, so that two instances wait, never deadlock.
     */
    private void summarize(
            Connection c, List<OutboxEntry> metered, List<TicketFacts> facts, List<Integer> fresh, Instant now)
            throws SQLException {
        java.util.TreeMap<SessionKey, SessionDelta> sessions = new java.util.TreeMap<>();
        for (int i : fresh) {
            TicketFacts f = facts.get(i);
            if (f.sequenced()) {
                OutboxEntry e = metered.get(i);
                sessions.computeIfAbsent(
                                new SessionKey(f.signer(), e.subject(), f.sessionId()), k -> new SessionDelta())
                        .add(f.sequenceNumber(), e.feeWei(), e.networkMicros(), f.numTickets());
            }
        }
        if (sessions.isEmpty()) {
            return;
        }
        OffsetDateTime seen = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        OffsetDateTime leading = OffsetDateTime.ofInstant(leadingAfter(c), ZoneOffset.UTC);
        List<Map.Entry<SessionKey, SessionDelta>> absent = update(c, List.copyOf(sessions.entrySet()), seen, leading);
        if (absent.isEmpty()) {
            return;
        }
        List<Map.Entry<SessionKey, SessionDelta>> lost = new ArrayList<>();
        try (PreparedStatement insert = c.prepareStatement(SESSION_INSERT)) {
            for (Map.Entry<SessionKey, SessionDelta> s : absent) {
                SessionKey k = s.getKey();
                SessionDelta d = s.getValue();
                int p = 1;
                insert.setString(p++, k.signer());
                insert.setString(p++, k.subject());
                insert.setString(p++, k.sessionId());
                insert.setLong(p++, d.min);
                insert.setLong(p++, d.max);
                insert.setLong(p++, d.events);
                insert.setBigDecimal(p++, new BigDecimal(d.feeWei));
                insert.setBigDecimal(p++, d.micros);
                insert.setLong(p++, d.tickets);
                insert.setObject(p++, seen);
                insert.setObject(p++, seen);
                insert.setLong(
                        p++, d.max - d.min + 1 - d.events + (d.min > 0 && !now.isBefore(leadingAfter(c)) ? d.min : 0));
                insert.addBatch();
            }
            int[] counts = insert.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    lost.add(absent.get(i)); // another instance inserted the row since our UPDATE
                }
            }
        }
        if (!lost.isEmpty() && !update(c, lost, seen, leading).isEmpty()) {
            throw new SQLException("ticket_sessions row neither updated nor inserted", "40001");
        }
    }

    /** The batched UPDATE; returns the sessions that have no row yet. */
    private static List<Map.Entry<SessionKey, SessionDelta>> update(
            Connection c,
            List<Map.Entry<SessionKey, SessionDelta>> sessions,
            OffsetDateTime seen,
            OffsetDateTime leading)
            throws SQLException {
        List<Map.Entry<SessionKey, SessionDelta>> absent = new ArrayList<>();
        try (PreparedStatement update = c.prepareStatement(SESSION_UPDATE)) {
            for (Map.Entry<SessionKey, SessionDelta> s : sessions) {
                SessionKey k = s.getKey();
                SessionDelta d = s.getValue();
                int p = 1;
                update.setLong(p++, d.events);
                update.setBigDecimal(p++, new BigDecimal(d.feeWei));
                update.setBigDecimal(p++, d.micros);
                update.setLong(p++, d.tickets);
                update.setLong(p++, d.min);
                update.setLong(p++, d.max);
                update.setObject(p++, seen);
                update.setObject(p++, seen);
                update.setLong(p++, d.max);
                update.setLong(p++, d.min);
                update.setLong(p++, d.events);
                update.setLong(p++, d.min);
                update.setObject(p++, seen);
                update.setObject(p++, leading);
                update.setLong(p++, d.min);
                update.setString(p++, k.signer());
                update.setString(p++, k.subject());
                update.setString(p++, k.sessionId());
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    absent.add(sessions.get(i));
                }
            }
        }
        return absent;
    }

    private Instant leadingAfter(Connection c) throws SQLException {
        Instant cached = leadingAfter;
        if (cached != null) {
            return cached;
        }
        try (PreparedStatement select = c.prepareStatement("SELECT started_at FROM ticket_tracking WHERE id = 1");
                ResultSet rs = select.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("ticket_tracking has no row 1 (migration V7)");
            }
            cached =
                    rs.getObject("started_at", OffsetDateTime.class).toInstant().plus(SequenceGaps.LEADING_GRACE);
        }
        leadingAfter = cached;
        return cached;
    }

    /** A payment session, ordered (the order rows are locked in). */
    private record SessionKey(String signer, String subject, String sessionId) implements Comparable<SessionKey> {
        @Override
        public int compareTo(SessionKey o) {
            int c = signer.compareTo(o.signer);
            c = c != 0 ? c : subject.compareTo(o.subject);
            return c != 0 ? c : sessionId.compareTo(o.sessionId);
        }
    }

    /** A batch's new events of one session, added up. */
    private static final class SessionDelta {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long events;
        BigInteger feeWei = BigInteger.ZERO;
        BigDecimal micros = BigDecimal.ZERO;
        long tickets;

        void add(long sequence, BigInteger fee, BigDecimal networkMicros, long numTickets) {
            min = Math.min(min, sequence);
            max = Math.max(max, sequence);
            events++;
            feeWei = feeWei.add(fee);
            micros = micros.add(networkMicros);
            tickets += numTickets;
        }
    }

    /**
     * @param store events for the outbox: new ones and plain duplicates, in input order
     * @param forks forks to quarantine, in input order
     */
    public record Screened(List<OutboxEntry> store, List<Fork> forks) {
        public Screened {
            store = List.copyOf(store);
            forks = List.copyOf(forks);
        }

        /** The forks' dead letters. */
        public List<DeadLetterEntry> deadLetters() {
            return forks.stream().map(Fork::deadLetter).toList();
        }
    }

    /**
     * @param deadLetter   the quarantined event (reason starting {@value #FORK}, its raw record)
     * @param firstEventId the event billed first, whose outbox CloudEvent is kept as the first payload
     */
    public record Fork(DeadLetterEntry deadLetter, String firstEventId) {}

    private record SequenceKey(String signer, String subject, String sessionId, long sequenceNumber) {
        static SequenceKey of(OutboxEntry e, TicketFacts f) {
            return new SequenceKey(f.signer(), e.subject(), f.sessionId(), Objects.requireNonNull(f.sequenceNumber()));
        }
    }

    private record Known(String eventId, BigInteger feeWei) {}
}
