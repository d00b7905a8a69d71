package io.livepeer.clearinghouse.ledger.completeness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.SqlErrors;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gaps and forks (issue 10, completeness) through the metering batch transaction ({@link UsageRecorder} with
 * {@link TicketFacts}), on H2 and PostgreSQL: lost, late and duplicated events arriving from several partitions and
 * batches, both kinds of fork quarantined with both payloads, and two instances racing on one PostgreSQL.
 */
class CompletenessTest {

    /** Well after the start of tracking (the migration's CURRENT_TIMESTAMP), so leading gaps count. */
    static final Instant T0 = Instant.now().plusSeconds(2 * 3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    /** One metered signed ticket: session s1 of customer c:u, 1,000 wei and 2 micros per call. */
    record Ev(OutboxEntry entry, TicketFacts facts) {}

    static Ev ev(String id, String session, long seq, long fee, int partition, long offset) {
        return ev(id, session, seq, fee, partition, offset, "");
    }

    static Ev ev(String id, String session, long seq, long fee, int partition, long offset, String variant) {
        String raw = "{\"id\":\"" + id + "\",\"data\":{\"session_id\":\"" + session + "\",\"sequence_number\":" + seq
                + ",\"computed_fee\":\"" + fee + "\"" + variant + "}}";
        OutboxEntry entry = new OutboxEntry(
                id,
                "c:u",
                "live",
                "unknown",
                T0,
                BigInteger.valueOf(fee),
                new BigDecimal("2"),
                new BigDecimal("2"),
                new BigDecimal("3000"),
                "{\"id\":\"" + id + "\",\"fee\":" + fee + "}",
                "0xorch",
                new KafkaCoordinates("signer", partition, offset));
        byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
        return new Ev(entry, new TicketFacts(TicketFacts.sha256(bytes), "0xpayer", session, seq, 2, id, bytes));
    }

    static UsageRecorder.Result record(UsageRecorder recorder, Ev... events) throws SQLException {
        return recorder.record(
                Stream.of(events).map(Ev::entry).toList(),
                Stream.of(events).map(Ev::facts).toList(),
                List.of());
    }

    /** The sequence numbers and missing count of each session's summary row, as {@code "session:min-max/n/missing"}. */
    static List<String> summaries(Database db) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT session_id, min_seq, max_seq, events, missing"
                        + " FROM ticket_sessions ORDER BY session_id")
                .map((rs, ctx) -> rs.getString("session_id") + ":" + rs.getLong("min_seq") + "-" + rs.getLong("max_seq")
                        + "/" + rs.getLong("events") + "/" + rs.getLong("missing"))
                .list());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_gap_read_visits_only_sessions_whose_summary_counts_missing_numbers(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            SequenceGaps gaps = new SequenceGaps(db);
            record(recorder, ev("a0", "closed", 0, 1000, 0, 0), ev("a1", "closed", 1, 1000, 0, 1));
            record(recorder, ev("a2", "closed", 2, 1000, 1, 0), ev("b0", "open", 0, 1000, 1, 1));
            record(recorder, ev("b3", "open", 3, 1000, 0, 2));
            // the batch transaction keeps one summary per session: bounds, count and the numbers missing
            assertThat(summaries(db)).containsExactly("closed:0-2/3/0", "open:0-3/2/2");
            assertThat(gaps.list(null, 10)).singleElement().satisfies(g -> {
                assertThat(g.sessionId()).isEqualTo("open");
                assertThat(g.fromSequence()).isEqualTo(1);
                assertThat(g.toSequence()).isEqualTo(2);
                assertThat(g.estimatedUnbilledWei()).isEqualTo(BigInteger.valueOf(2000));
            });

            // proof that a closed session's events are never read: remove its middle event behind the tracker's back
            // (a gap the summary does not know of); a read that scanned ticket_events would report it
            db.inTransaction(h -> h.execute("DELETE FROM ticket_events WHERE event_id = 'a1'"));
            assertThat(gaps.list(null, 10))
                    .extracting(SequenceGaps.Gap::sessionId)
                    .containsExactly("open");
            assertThat(gaps.summary().openGaps()).isEqualTo(1);

            if (target.label().toLowerCase(java.util.Locale.ROOT).contains("h2")) {
                // and the plan finds the open sessions through the index on missing, not a scan of either table
                String plan = db.withHandle(h -> h.createQuery("EXPLAIN " + SequenceGaps.GAPS)
                        .bind("leading_after", java.time.OffsetDateTime.now())
                        .mapTo(String.class)
                        .one());
                assertThat(plan.toLowerCase(java.util.Locale.ROOT))
                        .contains("ticket_sessions_missing_idx")
                        .contains("ticket_events_sequence_uq")
                        .doesNotContain("ticket_events.tableScan".toLowerCase(java.util.Locale.ROOT));
            }

            // the late events fill the open session: its summary closes and nothing is read any more
            record(recorder, ev("b1", "open", 1, 1000, 2, 0), ev("b2", "open", 2, 1000, 2, 1));
            assertThat(summaries(db)).containsExactly("closed:0-2/3/0", "open:0-3/4/0");
            assertThat(gaps.list(null, 10)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void retention_prunes_the_events_of_old_closed_sessions_only_and_a_later_event_still_finds_its_place(
            JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            SequenceGaps gaps = new SequenceGaps(db);
            record(recorder, ev("a0", "closed", 0, 1000, 0, 0), ev("a1", "closed", 1, 1000, 0, 1));
            record(recorder, ev("a2", "closed", 2, 1000, 0, 2), ev("b0", "open", 0, 1000, 0, 3));
            record(recorder, ev("b3", "open", 3, 1000, 0, 4));
            Instant later = T0.plus(java.time.Duration.ofDays(100));
            io.livepeer.clearinghouse.ledger.Retention retention =
                    new io.livepeer.clearinghouse.ledger.Retention(db, Clock.fixed(later, ZoneOffset.UTC));
            var policy = new io.livepeer.clearinghouse.ledger.Retention.Policy(java.time.Duration.ofDays(90), null, 1);

            assertThat(retention.report(policy).ticketEvents()).isEqualTo(3);
            assertThat(retention.prune(policy).ticketEvents()).isEqualTo(3);
            List<String> kept = db.withHandle(h -> h.createQuery("SELECT event_id FROM ticket_events ORDER BY event_id")
                    .mapTo(String.class)
                    .list());
            assertThat(kept).containsExactly("b0", "b3");
            assertThat(gaps.list(null, 10)).singleElement().satisfies(g -> {
                assertThat(g.sessionId()).isEqualTo("open");
                assertThat(g.fromSequence()).isEqualTo(1);
            });
            assertThat(retention.prune(policy).ticketEvents()).isZero();

            // the pruned session goes on: its next gap starts after what was pruned, not at 0
            UsageRecorder afterwards = new UsageRecorder(db, null, Clock.fixed(later, ZoneOffset.UTC));
            record(afterwards, ev("a5", "closed", 5, 1000, 1, 0));
            assertThat(gaps.list(null, 10))
                    .extracting(
                            SequenceGaps.Gap::sessionId, SequenceGaps.Gap::fromSequence, SequenceGaps.Gap::toSequence)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("open", 1L, 2L),
                            org.assertj.core.groups.Tuple.tuple("closed", 3L, 4L));
            // its estimate still averages over every call the session billed, pruned ones included (4 × 1,000 wei)
            assertThat(gaps.list(null, 10).stream()
                            .filter(g -> g.sessionId().equals("closed"))
                            .findFirst()
                            .orElseThrow()
                            .estimatedUnbilledWei())
                    .isEqualTo(BigInteger.valueOf(2000));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void lost_late_and_duplicated_events_across_partitions_open_and_fill_gaps(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            SequenceGaps gaps = new SequenceGaps(db);
            // partition 0 carries 0 and 3, partition 1 carries 1 and 6: 2, 4 and 5 are not (yet) here
            assertThat(record(recorder, ev("e0", "s1", 0, 1000, 0, 0), ev("e3", "s1", 3, 1000, 0, 1))
                            .inserted())
                    .isEqualTo(2);
            assertThat(record(recorder, ev("e1", "s1", 1, 1000, 1, 0), ev("e6", "s1", 6, 1000, 1, 1))
                            .inserted())
                    .isEqualTo(2);

            List<SequenceGaps.Gap> open = gaps.list(null, 10);
            assertThat(open)
                    .extracting(
                            SequenceGaps.Gap::sessionId,
                            SequenceGaps.Gap::fromSequence,
                            SequenceGaps.Gap::toSequence,
                            SequenceGaps.Gap::missingSequences)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("s1", 2L, 2L, 1L),
                            org.assertj.core.groups.Tuple.tuple("s1", 4L, 5L, 2L));
            SequenceGaps.Gap twoMissing = open.stream()
                    .filter(g -> g.missingSequences() == 2)
                    .findFirst()
                    .orElseThrow();
            // the session's average per seen call (1,000 wei, 2 micros, 2 tickets) times the calls missing
            assertThat(twoMissing.estimatedUnbilledWei()).isEqualTo(BigInteger.valueOf(2000));
            assertThat(twoMissing.estimatedUnbilledUsdMicros()).isEqualByComparingTo("4");
            assertThat(twoMissing.estimatedTickets()).isEqualTo(4);
            assertThat(twoMissing.signer()).isEqualTo("0xpayer");
            assertThat(twoMissing.firstSeen()).isEqualTo(T0);
            SequenceGaps.Summary summary = gaps.summary();
            assertThat(summary.openGaps()).isEqualTo(2);
            assertThat(summary.missingSequences()).isEqualTo(3);
            assertThat(summary.estimatedUnbilledWei()).isEqualTo(BigInteger.valueOf(3000));
            // paging: newest first, the cursor is the gap's id
            assertThat(gaps.list(open.get(0).id(), 10)).containsExactly(open.get(1));

            // a redelivered record (same bytes) is a duplicate, not a fork, and fills nothing
            UsageRecorder.Result again = record(recorder, ev("e3", "s1", 3, 1000, 0, 1));
            assertThat(again.duplicates()).isEqualTo(1);
            assertThat(again.deadLettered()).isZero();

            // the late events fill their gaps
            assertThat(record(recorder, ev("e2", "s1", 2, 1000, 1, 2), ev("e4", "s1", 4, 1000, 0, 2))
                            .inserted())
                    .isEqualTo(2);
            assertThat(gaps.list(null, 10))
                    .extracting(SequenceGaps.Gap::fromSequence, SequenceGaps.Gap::toSequence)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(5L, 5L));
            record(recorder, ev("e5", "s1", 5, 1000, 1, 3));
            assertThat(gaps.list(null, 10)).isEmpty();
            assertThat(gaps.summary().openGaps()).isZero();
            assertThat(new OutboxQueries(db).pendingCount()).isEqualTo(7);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_session_whose_first_events_were_lost_has_a_leading_gap(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            record(recorder, ev("l3", "s2", 3, 500, 0, 10));
            assertThat(new SequenceGaps(db).list(null, 10))
                    .extracting(
                            SequenceGaps.Gap::sessionId, SequenceGaps.Gap::fromSequence, SequenceGaps.Gap::toSequence)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("s2", 0L, 2L));
        }
    }

    @Test
    void sessions_running_when_tracking_started_have_no_leading_gap() throws Exception {
        try (Database db = open(TestDatabases.h2())) {
            UsageRecorder recorder = new UsageRecorder(db, null, Clock.systemUTC());
            record(recorder, ev("m7", "s3", 7, 500, 0, 20));
            assertThat(new SequenceGaps(db).list(null, 10)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_same_id_with_different_content_is_quarantined_as_a_fork_with_both_payloads(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            record(recorder, ev("f1", "s4", 0, 1000, 0, 0));
            // the same envelope id, another fee, read from another partition later
            UsageRecorder.Result forked = record(recorder, ev("f1", "s4", 0, 9999, 1, 5));
            assertThat(forked.inserted()).isZero();
            assertThat(forked.duplicates()).isZero();
            assertThat(forked.newDeadLetters())
                    .singleElement()
                    .satisfies(d -> assertThat(d.reason()).startsWith("fork: event id f1"));
            // ... and within one batch
            UsageRecorder.Result inBatch =
                    record(recorder, ev("f2", "s5", 0, 1000, 0, 1), ev("f2", "s5", 0, 1000, 0, 2, ",\"x\":1"));
            assertThat(inBatch.inserted()).isEqualTo(1);
            assertThat(inBatch.newDeadLetters())
                    .singleElement()
                    .satisfies(d -> assertThat(d.reason()).startsWith("fork: event id f2"));

            assertThat(new OutboxQueries(db).pendingCount()).isEqualTo(2);
            assertThat(firstPayloads(db))
                    .containsExactly("{\"id\":\"f1\",\"fee\":1000}", "{\"id\":\"f2\",\"fee\":1000}");
            DeadLetters.DeadLetterView letter =
                    new DeadLetters(db).list(null, 10).get(1);
            assertThat(new String(letter.raw(), StandardCharsets.UTF_8)).contains("\"computed_fee\":\"9999\"");
            // a redelivery of the forked record is stored once
            assertThat(record(recorder, ev("f1", "s4", 0, 9999, 1, 5)).deadLettered())
                    .isZero();
            assertThat(new DeadLetters(db).count()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_same_session_and_sequence_with_another_id_is_quarantined_as_a_fork(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            record(recorder, ev("q1", "s6", 0, 1000, 0, 0));
            UsageRecorder.Result forked = record(recorder, ev("q2", "s6", 0, 1500, 1, 0));
            assertThat(forked.inserted()).isZero();
            assertThat(forked.newDeadLetters())
                    .singleElement()
                    .satisfies(d -> assertThat(d.reason())
                            .startsWith("fork: session s6 sequence 0")
                            .contains("billed by event q1")
                            .contains("fee 1500 wei (first: 1000 wei)"));
            // in one batch, with the same fee: one signing call is billed once
            UsageRecorder.Result inBatch =
                    record(recorder, ev("q3", "s7", 0, 1000, 0, 1), ev("q4", "s7", 0, 1000, 1, 1));
            assertThat(inBatch.inserted()).isEqualTo(1);
            assertThat(inBatch.newDeadLetters())
                    .singleElement()
                    .satisfies(d -> assertThat(d.reason()).contains("the same fee (1000 wei)"));
            assertThat(new OutboxQueries(db).pendingCount()).isEqualTo(2);
            assertThat(firstPayloads(db))
                    .containsExactly("{\"id\":\"q1\",\"fee\":1000}", "{\"id\":\"q3\",\"fee\":1000}");
            // the fork fills no gap and opens none
            assertThat(new SequenceGaps(db).list(null, 10)).isEmpty();
        }
    }

    /**
     * Two instances on one PostgreSQL meter the same sequence from two partitions at the same time: the second waits
     * on the first's uncommitted row, then gets a unique violation (the batch processor then stores the batch again in
     * parts), and the retry quarantines the fork instead of billing it twice.
     */
    @Test
    void two_instances_racing_on_one_sequence_bill_it_once() throws Exception {
        JdbcTarget target = TestDatabases.postgres();
        try (Database a = open(target);
                Database b = open(target)) {
            UsageRecorder recorderB = new UsageRecorder(b, null, CLOCK);
            Ev first = ev("r1", "s8", 0, 1000, 0, 0);
            Ev second = ev("r2", "s8", 0, 2000, 1, 0);
            CountDownLatch written = new CountDownLatch(1);
            List<UsageRecorder.Result> results = new ArrayList<>();
            CompletableFuture<Void> instanceA = CompletableFuture.runAsync(() -> {
                try {
                    a.inTransaction(h -> {
                        results.add(record(new UsageRecorder(a, null, CLOCK), first));
                        written.countDown();
                        // hold the transaction open while instance B tries the same sequence
                        h.execute("SELECT pg_sleep(1)");
                        return null;
                    });
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> record(recorderB, second))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e ->
                            assertThat(SqlErrors.refusesData((SQLException) e)).isTrue());
            instanceA.get(30, TimeUnit.SECONDS);
            UsageRecorder.Result retried = record(recorderB, second);
            assertThat(retried.inserted()).isZero();
            assertThat(retried.newDeadLetters())
                    .singleElement()
                    .satisfies(d -> assertThat(d.reason()).startsWith("fork: session s8 sequence 0"));
            assertThat(results)
                    .singleElement()
                    .satisfies(r -> assertThat(r.inserted()).isEqualTo(1));
            assertThat(new OutboxQueries(b).pendingCount()).isEqualTo(1);
        }
    }

    private static List<String> firstPayloads(Database db) throws SQLException {
        return db.withHandle(
                h -> h.createQuery("SELECT first_payload FROM dead_letters WHERE first_payload IS NOT NULL ORDER BY id")
                        .mapTo(String.class)
                        .list());
    }
}
