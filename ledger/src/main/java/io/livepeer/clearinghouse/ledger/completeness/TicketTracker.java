package io.livepeer.clearinghouse.ledger.completeness;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.PgArrays;
import io.livepeer.clearinghouse.ledger.SqlDialect;
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
        return classify(metered, facts, Objects.requireNonNull(now), true).screened();
    }

    /**
     * Like {@link #screen}, but the touched sessions' summary rows ({@code ticket_sessions}) are left for
     * {@link #summarize(Deferred)}, which the caller runs later in the same transaction, as its last write before the
     * commit. The summary upsert locks each touched session's row until the commit, and the partition shares of one
     * Kafka batch (and instances) meet on the same sessions (the signer keys records by a random id): taken first, it
     * made every other share wait for the whole of this transaction; taken last, only for its commit. The arithmetic
     * and the key order are those of {@link #screen}.
     */
    public Deferred screenDeferringSummary(List<OutboxEntry> metered, List<TicketFacts> facts, Instant now)
            throws SQLException {
        return classify(metered, facts, Objects.requireNonNull(now), false);
    }

    /** Writes the session summaries {@link #screenDeferringSummary} left, in the caller's transaction. */
    public void summarize(Deferred deferred) throws SQLException {
        if (deferred.fresh().isEmpty()) {
            return;
        }
        database.inTransaction(h -> {
            summarize(
                    h.getConnection(),
                    deferred.metered(),
                    deferred.facts(),
                    deferred.fresh(),
                    deferred.now(),
                    database.dialect() == SqlDialect.POSTGRESQL);
            return null;
        });
    }

    /**
     * A screened batch whose session summaries are still to be written ({@link #summarize(Deferred)}).
     *
     * @param screened what {@link #screen} returns
     */
    public record Deferred(
            Screened screened, List<OutboxEntry> metered, List<TicketFacts> facts, List<Integer> fresh, Instant now) {}

    /**
     * What {@link #screen} would decide for this batch now, without recording anything: for dry runs, and for a
     * redrive that must name a fork's reason.
     */
    public Screened preview(List<OutboxEntry> metered, List<TicketFacts> facts) throws SQLException {
        return classify(metered, facts, null, true).screened();
    }

    /**
     * Screens; records the new events seen at {@code now}, or nothing when {@code now} is null; their session summaries
     * too unless {@code summarizeNow} is false.
     */
    private Deferred classify(List<OutboxEntry> metered, List<TicketFacts> facts, Instant now, boolean summarizeNow)
            throws SQLException {
        if (metered.size() != facts.size()) {
            throw new IllegalArgumentException("one TicketFacts per metered event");
        }
        if (metered.isEmpty()) {
            return new Deferred(new Screened(List.of(), List.of()), metered, facts, List.of(), now);
        }
        return database.inTransaction(h -> {
            Connection c = h.getConnection();
            boolean pg = database.dialect() == SqlDialect.POSTGRESQL;
            Map<String, String> hashById = hashesById(c, metered, pg);
            Map<SequenceKey, Known> bySequence = knownSequences(c, metered, facts, pg);
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
                if (pg) {
                    insertFromArrays(c, metered, facts, fresh, now);
                } else {
                    insert(c, metered, facts, fresh, now);
                }
                if (summarizeNow) {
                    summarize(c, metered, facts, fresh, now, pg);
                }
            }
            return new Deferred(
                    new Screened(store, forks), metered, facts, now == null ? List.of() : List.copyOf(fresh), now);
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

    private static Map<String, String> hashesById(Connection c, List<OutboxEntry> metered, boolean pg)
            throws SQLException {
        Map<String, String> found = new HashMap<>();
        List<String> ids = metered.stream().map(OutboxEntry::eventId).distinct().toList();
        if (pg) {
            // one array parameter: one statement text whatever the batch size, so the server plans it once. A join
            // with the unnested ids, not event_id = ANY(?): the plan the server caches for that form on a young table
            // (a sequential scan) tests every row against every id of the array, and its cost grew with the table
            // in every latency run (measured: 18 ms at the start to 590 ms per 500 ids after 30 s, docs/benchmarks.md)
            try (PreparedStatement select =
                    c.prepareStatement("SELECT t.event_id, t.content_hash FROM unnest(CAST(? AS VARCHAR[])) AS k"
                            + " (event_id) JOIN ticket_events t ON t.event_id = k.event_id")) {
                PgArrays.strings(select, 1, ids.toArray(new String[0]));
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString("event_id"), rs.getString("content_hash"));
                    }
                }
            }
            return found;
        }
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
            Connection c, List<OutboxEntry> metered, List<TicketFacts> facts, boolean pg) throws SQLException {
        List<SequenceKey> keys = new ArrayList<>();
        for (int i = 0; i < metered.size(); i++) {
            if (facts.get(i).sequenced()) {
                keys.add(SequenceKey.of(metered.get(i), facts.get(i)));
            }
        }
        keys = keys.stream().distinct().toList();
        Map<SequenceKey, Known> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        for (int from = 0; from < keys.size(); from += pg ? keys.size() : ROWS_PER_STATEMENT) {
            List<SequenceKey> part =
                    keys.subList(from, pg ? keys.size() : Math.min(keys.size(), from + ROWS_PER_STATEMENT));
            try (PreparedStatement select =
                    c.prepareStatement(pg ? KNOWN_SEQUENCES_PG : knownSequencesQuery(part.size()))) {
                if (pg) {
                    // binary arrays (PgArrays)
                    PgArrays.strings(
                            select, 1, part.stream().map(SequenceKey::signer).toArray(String[]::new));
                    PgArrays.strings(
                            select, 2, part.stream().map(SequenceKey::subject).toArray(String[]::new));
                    PgArrays.strings(
                            select, 3, part.stream().map(SequenceKey::sessionId).toArray(String[]::new));
                    PgArrays.longs(
                            select,
                            4,
                            part.stream().mapToLong(SequenceKey::sequenceNumber).toArray());
                } else {
                    int p = 1;
                    for (SequenceKey k : part) {
                        select.setString(p++, k.signer());
                        select.setString(p++, k.subject());
                        select.setString(p++, k.sessionId());
                        select.setLong(p++, k.sequenceNumber());
                    }
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

    /** The columns a sequence look-up returns, and the join of the looked-up keys with the unique key. */
    private static final String KNOWN_SEQUENCES_SELECT =
            "SELECT t.signer, t.subject, t.session_id, t.sequence_number, t.event_id, t.fee_wei FROM ";

    private static final String KNOWN_SEQUENCES_JOIN = " AS v (signer, subject, session_id, sequence_number)"
            + " JOIN ticket_events t ON t.signer = v.signer AND t.subject = v.subject AND t.session_id = v.session_id"
            + " AND t.sequence_number = v.sequence_number";

    /** PostgreSQL: the keys as four arrays (one statement text, planned once per connection). */
    private static final String KNOWN_SEQUENCES_PG = KNOWN_SEQUENCES_SELECT
            + "unnest(CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS BIGINT[]))"
            + KNOWN_SEQUENCES_JOIN;

    /**
     * H2: the keys as a VALUES list joined with the unique key (the first row cast so that H2 knows the columns'
     * types). Neither engine gets {@code (a, b, c, d) IN ((?, ?, ?, ?), …)}: PostgreSQL plans that as an OR of one
     * bitmap index scan per key, ~200 ms of planning per 500-key batch (measured), most of the cost of gap tracking.
     */
    static String knownSequencesQuery(int rows) {
        return KNOWN_SEQUENCES_SELECT
                + "(VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(512)), CAST(? AS VARCHAR(255)),"
                + " CAST(? AS BIGINT))" + ", (?, ?, ?, ?)".repeat(rows - 1) + ")" + KNOWN_SEQUENCES_JOIN;
    }

    /**
     * PostgreSQL: the new events as one array per column, one statement per batch whatever its size (a multi-row
     * VALUES of 5,000 parameters costs more to parse and bind than the insert itself). Like {@link #insert}, a plain
     * INSERT: a row another instance committed since the reads is a unique violation.
     */
    private static void insertFromArrays(
            Connection c, List<OutboxEntry> metered, List<TicketFacts> facts, List<Integer> fresh, Instant now)
            throws SQLException {
        if (fresh.isEmpty()) {
            return;
        }
        int n = fresh.size();
        String[] ids = new String[n];
        String[] hashes = new String[n];
        String[] signers = new String[n];
        String[] subjects = new String[n];
        String[] sessions = new String[n];
        Long[] sequences = new Long[n];
        Long[] tickets = new Long[n];
        BigDecimal[] fees = new BigDecimal[n];
        BigDecimal[] micros = new BigDecimal[n];
        for (int j = 0; j < n; j++) {
            OutboxEntry e = metered.get(fresh.get(j));
            TicketFacts f = facts.get(fresh.get(j));
            ids[j] = e.eventId();
            hashes[j] = f.contentHash();
            signers[j] = f.signer();
            subjects[j] = e.subject();
            sessions[j] = f.sequenced() ? f.sessionId() : null;
            sequences[j] = f.sequenced() ? f.sequenceNumber() : null;
            tickets[j] = f.numTickets();
            fees[j] = new BigDecimal(e.feeWei());
            micros[j] = e.networkMicros();
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO ticket_events (event_id, content_hash, signer,"
                + " subject, session_id, sequence_number, num_tickets, fee_wei, network_usd_micros, seen_at)"
                + " SELECT v.*, CAST(? AS TIMESTAMP WITH TIME ZONE) FROM unnest(CAST(? AS VARCHAR[]),"
                + " CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]),"
                + " CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[])) AS v")) {
            insert.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            // binary arrays (PgArrays)
            PgArrays.strings(insert, 2, ids);
            PgArrays.strings(insert, 3, hashes);
            PgArrays.strings(insert, 4, signers);
            PgArrays.strings(insert, 5, subjects);
            PgArrays.strings(insert, 6, sessions);
            PgArrays.longs(insert, 7, sequences);
            PgArrays.longs(insert, 8, tickets);
            PgArrays.decimals(insert, 9, fees);
            PgArrays.decimals(insert, 10, micros);
            insert.executeUpdate();
        }
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
            Connection c,
            List<OutboxEntry> metered,
            List<TicketFacts> facts,
            List<Integer> fresh,
            Instant now,
            boolean pg)
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
        if (pg) {
            upsert(c, sessions, seen, leading, !now.isBefore(leadingAfter(c)));
            return;
        }
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

    /**
     * PostgreSQL: every touched session in one {@code INSERT … ON CONFLICT DO UPDATE} over arrays, rows in key order
     * (so two instances meeting on sessions wait, never deadlock; the upsert waits for a row another transaction is
     * inserting, then updates it). The update reads the row as it was, like {@link #SESSION_UPDATE}.
     */
    private static void upsert(
            Connection c,
            java.util.SortedMap<SessionKey, SessionDelta> sessions,
            OffsetDateTime seen,
            OffsetDateTime leading,
            boolean leadingCounts)
            throws SQLException {
        int n = sessions.size();
        String[] signers = new String[n];
        String[] subjects = new String[n];
        String[] sessionIds = new String[n];
        long[] mins = new long[n];
        long[] maxes = new long[n];
        long[] events = new long[n];
        BigDecimal[] fees = new BigDecimal[n];
        BigDecimal[] micros = new BigDecimal[n];
        long[] tickets = new long[n];
        long[] missing = new long[n];
        int j = 0;
        for (Map.Entry<SessionKey, SessionDelta> s : sessions.entrySet()) {
            SessionKey k = s.getKey();
            SessionDelta d = s.getValue();
            signers[j] = k.signer();
            subjects[j] = k.subject();
            sessionIds[j] = k.sessionId();
            mins[j] = d.min;
            maxes[j] = d.max;
            events[j] = d.events;
            fees[j] = new BigDecimal(d.feeWei);
            micros[j] = d.micros;
            tickets[j] = d.tickets;
            missing[j] = d.max - d.min + 1 - d.events + (d.min > 0 && leadingCounts ? d.min : 0);
            j++;
        }
        try (PreparedStatement upsert = c.prepareStatement(SESSION_UPSERT_PG)) {
            upsert.setObject(1, seen);
            upsert.setObject(2, seen);
            // binary arrays (PgArrays)
            PgArrays.strings(upsert, 3, signers);
            PgArrays.strings(upsert, 4, subjects);
            PgArrays.strings(upsert, 5, sessionIds);
            PgArrays.longs(upsert, 6, mins);
            PgArrays.longs(upsert, 7, maxes);
            PgArrays.longs(upsert, 8, events);
            PgArrays.decimals(upsert, 9, fees);
            PgArrays.decimals(upsert, 10, micros);
            PgArrays.longs(upsert, 11, tickets);
            PgArrays.longs(upsert, 12, missing);
            upsert.setObject(13, leading);
            upsert.executeUpdate();
        }
    }

    private static final String SESSION_UPSERT_PG = "INSERT INTO ticket_sessions AS s (signer, subject, session_id,"
            + " min_seq, max_seq, events, fee_wei, network_usd_micros, num_tickets, first_seen, last_seen, missing)"
            + " SELECT v.signer, v.subject, v.session_id, v.min_seq, v.max_seq, v.events, v.fee_wei, v.micros,"
            + " v.tickets, CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS TIMESTAMP WITH TIME ZONE), v.missing"
            + " FROM unnest(CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS BIGINT[]),"
            + " CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[]),"
            + " CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS v (signer, subject, session_id, min_seq, max_seq, events,"
            + " fee_wei, micros, tickets, missing)"
            + " ON CONFLICT (signer, subject, session_id) DO UPDATE SET events = s.events + EXCLUDED.events,"
            + " fee_wei = s.fee_wei + EXCLUDED.fee_wei,"
            + " network_usd_micros = s.network_usd_micros + EXCLUDED.network_usd_micros,"
            + " num_tickets = s.num_tickets + EXCLUDED.num_tickets, min_seq = LEAST(s.min_seq, EXCLUDED.min_seq),"
            + " max_seq = GREATEST(s.max_seq, EXCLUDED.max_seq), first_seen = LEAST(s.first_seen, EXCLUDED.first_seen),"
            + " last_seen = GREATEST(s.last_seen, EXCLUDED.last_seen),"
            + " missing = GREATEST(s.max_seq, EXCLUDED.max_seq) - LEAST(s.min_seq, EXCLUDED.min_seq) + 1"
            + " - (s.events + EXCLUDED.events) + CASE WHEN LEAST(s.min_seq, EXCLUDED.min_seq) > 0"
            + " AND LEAST(s.first_seen, EXCLUDED.first_seen) >= ? THEN LEAST(s.min_seq, EXCLUDED.min_seq) ELSE 0 END";

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
