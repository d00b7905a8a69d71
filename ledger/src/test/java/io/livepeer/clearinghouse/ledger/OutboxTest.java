package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OutboxTest {

    static final Instant T0 = Instant.parse("2026-08-20T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    static OutboxEntry entry(String id, String subject, String pipeline, String micros, long offset) {
        return new OutboxEntry(
                id,
                subject,
                pipeline,
                "unknown",
                T0.plusSeconds(offset),
                new BigInteger("123456789012345678901"),
                new BigDecimal(micros),
                new BigDecimal(micros),
                new BigDecimal("3000"),
                "{\"id\":\"" + id + "\"}",
                "0xorch",
                new KafkaCoordinates("signer", 0, offset));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_redelivered_batch_adds_nothing_and_says_so(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            List<OutboxEntry> batch = List.of(
                    entry("a", "c:u", "live", "1.5", 0),
                    entry("b", "c:u", "live", "2", 1),
                    entry("a", "c:u", "live", "1.5", 2));
            DeadLetterEntry poison = new DeadLetterEntry(
                    new KafkaCoordinates("signer", 0, 3),
                    "k",
                    null,
                    "not JSON",
                    "{oops".getBytes(StandardCharsets.UTF_8));

            assertThat(recorder.record(batch, List.of(poison)))
                    .isEqualTo(new UsageRecorder.Result(2, 1, List.of(poison), 0, List.of("a", "b")));
            assertThat(recorder.record(batch, List.of(poison)))
                    .isEqualTo(new UsageRecorder.Result(0, 3, List.of(), 0, List.of()));

            assertThat(new OutboxQueries(db).pendingCount()).isEqualTo(2);
            assertThat(new DeliveryQueue(db, "test", Duration.ofMinutes(1)).pendingCount())
                    .isEqualTo(2);
            DeadLetters deadLetters = new DeadLetters(db);
            assertThat(deadLetters.count()).isEqualTo(1);
            DeadLetters.DeadLetterView view = deadLetters.list(null, 10).get(0);
            assertThat(new String(view.raw(), StandardCharsets.UTF_8)).isEqualTo("{oops");
            assertThat(view.reason()).isEqualTo("not JSON");
            assertThat(view.source()).isEqualTo(new KafkaCoordinates("signer", 0, 3));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void amounts_survive_the_round_trip_exactly(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            new UsageRecorder(db, null, CLOCK).record(List.of(entry("x", "c:u", "live", "0.000000003", 0)), List.of());
            OutboxQueries.OutboxEventView view =
                    new OutboxQueries(db).list(null, null, null, 10).get(0);
            assertThat(view.networkMicros().toPlainString()).isEqualTo("0.000000003");
            assertThat(view.feeWei()).isEqualTo(new BigInteger("123456789012345678901"));
            assertThat(view.ethUsdPrice().toPlainString()).isEqualTo("3000");
            assertThat(view.eventTime()).isEqualTo(T0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void delivery_states_move_forward_only_and_keep_the_problem_detail(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            new UsageRecorder(db, null, CLOCK)
                    .record(
                            IntStream.range(0, 5)
                                    .mapToObj(i -> entry("e" + i, "c:u", "live", "1", i))
                                    .toList(),
                            List.of());
            DeliveryQueue queue = new DeliveryQueue(db, "test", Duration.ofMinutes(1));
            OutboxQueries outbox = new OutboxQueries(db);
            List<DeliveryQueue.PendingEvent> pending = queue.claim(10, T0);
            assertThat(pending)
                    .extracting(DeliveryQueue.PendingEvent::eventId)
                    .containsExactly("e0", "e1", "e2", "e3", "e4");

            queue.recordFailures(
                    List.of(
                            new DeliveryQueue.Retry(pending.get(0).seq(), T0, 0, false),
                            new DeliveryQueue.Retry(pending.get(1).seq(), T0, 0, false)),
                    "HTTP 503",
                    T0);
            assertThat(queue.claim(1, T0).get(0).attempts()).isEqualTo(1);
            assertThat(outbox.list(null, OutboxQueries.Status.PENDING, null, 10))
                    .last()
                    .satisfies(e -> assertThat(e.lastError()).isEqualTo("HTTP 503"));
            assertThat(queue.markDelivered(
                            List.of(pending.get(0).seq(), pending.get(1).seq())))
                    .isEqualTo(2);
            assertThat(queue.markRejected(pending.get(2).seq(), "data must be an object", T0))
                    .isTrue();
            // a late duplicate response must not resurrect or re-mark anything
            assertThat(queue.markDelivered(List.of(pending.get(2).seq()))).isZero();
            assertThat(queue.markRejected(pending.get(0).seq(), "late", T0)).isFalse();

            assertThat(outbox.countByStatus())
                    .isEqualTo(Map.of(
                            OutboxQueries.Status.PENDING,
                            2L,
                            OutboxQueries.Status.DELIVERED,
                            2L,
                            OutboxQueries.Status.REJECTED,
                            1L));
            OutboxQueries.OutboxEventView rejected =
                    outbox.list(null, OutboxQueries.Status.REJECTED, null, 10).get(0);
            assertThat(rejected.eventId()).isEqualTo("e2");
            assertThat(rejected.lastError()).isEqualTo("data must be an object");
            assertThat(rejected.attempts()).isEqualTo(1);
            assertThat(outbox.list(null, OutboxQueries.Status.DELIVERED, null, 10))
                    .extracting(OutboxQueries.OutboxEventView::eventId)
                    .containsExactly("e1", "e0");
            assertThat(queue.oldestPendingSince()).contains(T0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_summary_groups_by_subject_and_pipeline_within_the_time_range(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            new UsageRecorder(db, null, CLOCK)
                    .record(
                            List.of(
                                    entry("1", "alice", "live", "1.5", 0),
                                    entry("2", "alice", "live", "2.5", 10),
                                    entry("3", "alice", "live-video-to-video", "10", 20),
                                    entry("4", "bob", "live", "0.000000003", 30),
                                    entry("5", "bob", "live", "7", 7200)),
                            List.of());
            List<OutboxQueries.UsageSummaryRow> rows = new OutboxQueries(db).summary(T0, T0.plusSeconds(3600), null);
            assertThat(rows)
                    .extracting(
                            OutboxQueries.UsageSummaryRow::subject,
                            OutboxQueries.UsageSummaryRow::pipeline,
                            OutboxQueries.UsageSummaryRow::events)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("alice", "live", 2L),
                            org.assertj.core.groups.Tuple.tuple("alice", "live-video-to-video", 1L),
                            org.assertj.core.groups.Tuple.tuple("bob", "live", 1L));
            assertThat(rows.get(0).networkMicros().toPlainString()).isEqualTo("4");
            assertThat(rows.get(2).networkMicros().toPlainString()).isEqualTo("0.000000003");
            assertThat(rows.get(0).feeWei()).isEqualTo(new BigInteger("246913578024691357802"));
            assertThat(rows.get(0).pending()).isEqualTo(2);
            assertThat(new OutboxQueries(db).summary(T0, T0.plusSeconds(86400), "bob"))
                    .hasSize(1)
                    .first()
                    .extracting(OutboxQueries.UsageSummaryRow::events)
                    .isEqualTo(2L);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void events_page_newest_first_with_a_cursor(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            new UsageRecorder(db, null, CLOCK)
                    .record(
                            IntStream.range(0, 5)
                                    .mapToObj(i -> entry("p" + i, i % 2 == 0 ? "even" : "odd", "live", "1", i))
                                    .toList(),
                            List.of());
            OutboxQueries outbox = new OutboxQueries(db);
            List<OutboxQueries.OutboxEventView> first = outbox.list(null, null, null, 2);
            assertThat(first).extracting(OutboxQueries.OutboxEventView::eventId).containsExactly("p4", "p3");
            List<OutboxQueries.OutboxEventView> second =
                    outbox.list(null, null, first.get(1).seq(), 2);
            assertThat(second)
                    .extracting(OutboxQueries.OutboxEventView::eventId)
                    .containsExactly("p2", "p1");
            assertThat(outbox.list("even", null, null, 10))
                    .extracting(OutboxQueries.OutboxEventView::eventId)
                    .containsExactly("p4", "p2", "p0");
        }
    }
}
