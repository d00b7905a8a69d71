package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.PendingEvent;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.RejectedEvent;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.RejectedFilter;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.Retry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Delivery claims (issue 9, defect 2): concurrent claimers, in threads and in separate pools standing for separate
 * instances on one PostgreSQL, never get the same event; an expired claim is taken over; failed events wait for their
 * own next attempt; rejected events can be listed and requeued.
 */
class DeliveryClaimsTest {

    static final Instant T0 = Instant.parse("2026-08-20T10:00:00Z");
    static final Duration LEASE = Duration.ofMinutes(1);

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    static void pending(Database db, int count) throws Exception {
        new UsageRecorder(db, null, Clock.fixed(T0, ZoneOffset.UTC))
                .record(
                        IntStream.range(0, count)
                                .mapToObj(i -> new OutboxEntry(
                                        "e" + i,
                                        "c:u",
                                        "live",
                                        "unknown",
                                        T0,
                                        BigInteger.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.TEN,
                                        "{\"id\":\"e" + i + "\"}",
                                        null,
                                        null))
                                .toList(),
                        List.of());
    }

    static List<Long> seqs(Collection<PendingEvent> events) {
        return events.stream().map(PendingEvent::seq).toList();
    }

    @Test
    void instances_claiming_concurrently_on_postgresql_never_get_the_same_event() throws Exception {
        JdbcTarget target = TestDatabases.postgres();
        int events = 3000;
        List<Database> instances = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 4; i++) {
                instances.add(open(target));
            }
            pending(instances.get(0), events);
            ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                // two claimers per instance: each with its own owner id, sharing the instance's pool
                DeliveryQueue queue = new DeliveryQueue(instances.get(t % 4), "instance-" + t, LEASE);
                boolean settles = t % 2 == 0;
                workers.add(threads.submit(() -> {
                    start.await();
                    while (true) {
                        List<PendingEvent> batch = queue.claim(37, T0);
                        if (batch.isEmpty()) {
                            return null;
                        }
                        claimed.addAll(seqs(batch));
                        if (settles) {
                            queue.markDelivered(seqs(batch)); // half settle at once, half keep their claims
                        }
                    }
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get();
            }

            assertThat(claimed).hasSize(events).doesNotHaveDuplicates();
            DeliveryQueue late = new DeliveryQueue(instances.get(1), "late", LEASE);
            assertThat(late.claim(events, T0))
                    .as("every live claim is respected")
                    .isEmpty();
            long unsettled = new OutboxQueries(instances.get(1)).pendingCount();
            assertThat(unsettled).isPositive().isLessThan(events);
            assertThat(late.claim(events, T0.plus(LEASE)))
                    .as("the claims never settled are taken over once their lease ran out")
                    .hasSize((int) unsettled);
        } finally {
            threads.shutdownNow();
            instances.forEach(Database::close);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_expired_claim_is_taken_over_and_the_old_owner_cannot_release_it(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            pending(db, 5);
            DeliveryQueue crashed = new DeliveryQueue(db, "crashed", LEASE);
            DeliveryQueue survivor = new DeliveryQueue(db, "survivor", LEASE);
            List<PendingEvent> first = crashed.claim(3, T0);
            assertThat(first).extracting(PendingEvent::eventId).containsExactly("e0", "e1", "e2");

            assertThat(survivor.claim(10, T0.plusSeconds(30)))
                    .extracting(PendingEvent::eventId)
                    .containsExactly("e3", "e4");
            List<PendingEvent> takenOver = survivor.claim(10, T0.plus(LEASE));
            assertThat(takenOver).extracting(PendingEvent::eventId).containsExactly("e0", "e1", "e2");

            // the first owner wakes up late: it can neither release nor reschedule what it no longer holds
            assertThat(crashed.release(seqs(first))).isZero();
            assertThat(crashed.recordFailures(
                            List.of(new Retry(first.get(0).seq(), T0, 0, false)), "late", T0.plus(LEASE)))
                    .isZero();
            assertThat(new DeliveryQueue(db, "third", LEASE).claim(10, T0.plus(LEASE)))
                    .isEmpty();
            // but a delivery it saw confirmed still counts: delivered is delivered, whoever holds the claim
            assertThat(crashed.markDelivered(List.of(first.get(0).seq()))).isEqualTo(1);
            assertThat(survivor.release(seqs(takenOver))).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_failed_event_waits_for_its_own_next_attempt_while_the_others_are_claimed(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            pending(db, 4);
            DeliveryQueue queue = new DeliveryQueue(db, "me", LEASE);
            List<PendingEvent> claimed = queue.claim(2, T0);
            assertThat(queue.recordFailures(
                            List.of(
                                    new Retry(claimed.get(0).seq(), T0.plusSeconds(10), 1, false),
                                    new Retry(claimed.get(1).seq(), T0, 0, true)),
                            "HTTP 500: boom",
                            T0))
                    .isEqualTo(2);

            List<PendingEvent> next = queue.claim(10, T0.plusSeconds(5));
            assertThat(next).extracting(PendingEvent::eventId).containsExactly("e1", "e2", "e3");
            assertThat(next.get(0).attempts()).isEqualTo(1);
            assertThat(next.get(0).lastRefusedAt()).isEqualTo(T0);
            assertThat(next.get(0).maxBatch()).isZero();
            queue.release(seqs(next));

            PendingEvent waited = queue.claim(1, T0.plusSeconds(10)).get(0);
            assertThat(waited.eventId()).isEqualTo("e0");
            assertThat(waited.maxBatch()).isEqualTo(1);
            assertThat(waited.lastAttemptAt()).isEqualTo(T0);
            assertThat(waited.lastRefusedAt()).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void rejected_events_are_listed_by_reason_status_and_time_and_requeued_on_demand(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            pending(db, 4);
            DeliveryQueue queue = new DeliveryQueue(db, "me", LEASE);
            List<PendingEvent> claimed = queue.claim(4, T0);
            queue.markRejected(claimed.get(0).seq(), "HTTP 400: invalid content type: 50%_off", T0);
            queue.markRejected(claimed.get(1).seq(), "HTTP 400: Invalid Content Type", T0.plusSeconds(60));
            queue.markRejected(claimed.get(2).seq(), "HTTP 422: data must be an object", T0.plusSeconds(60));
            queue.markDelivered(List.of(claimed.get(3).seq()));

            assertThat(queue.rejected(new RejectedFilter("content type", null, null, null), 10))
                    .extracting(RejectedEvent::eventId)
                    .containsExactly("e0", "e1");
            assertThat(queue.rejected(new RejectedFilter("50%_", null, null, null), 10))
                    .extracting(RejectedEvent::eventId)
                    .as("% and _ are text, not wildcards")
                    .containsExactly("e0");
            assertThat(queue.rejected(new RejectedFilter(null, 422, null, null), 10))
                    .extracting(RejectedEvent::eventId)
                    .containsExactly("e2");
            assertThat(queue.rejected(new RejectedFilter(null, 400, T0.plusSeconds(1), T0.plusSeconds(61)), 10))
                    .extracting(RejectedEvent::eventId)
                    .containsExactly("e1");
            assertThat(new OutboxQueries(db).countByStatus())
                    .as("listing changes nothing")
                    .containsEntry(OutboxQueries.Status.REJECTED, 3L);

            List<RejectedEvent> moved =
                    queue.requeue(new RejectedFilter("content type", 400, null, null), T0.plusSeconds(120));
            assertThat(moved).extracting(RejectedEvent::eventId).containsExactly("e0", "e1");
            assertThat(new OutboxQueries(db).countByStatus())
                    .containsEntry(OutboxQueries.Status.PENDING, 2L)
                    .containsEntry(OutboxQueries.Status.REJECTED, 1L)
                    .containsEntry(OutboxQueries.Status.DELIVERED, 1L);
            List<PendingEvent> again = queue.claim(10, T0.plusSeconds(120));
            assertThat(again).extracting(PendingEvent::eventId).containsExactly("e0", "e1");
            assertThat(again.get(0).attempts()).isEqualTo(1);
            assertThat(new OutboxQueries(db).list(null, OutboxQueries.Status.PENDING, null, 10))
                    .first()
                    .satisfies(e -> assertThat(e.lastError()).startsWith("requeued; had been rejected: HTTP 400"));
            assertThat(queue.requeue(new RejectedFilter("content type", null, null, null), T0))
                    .isEmpty();
        }
    }
}
