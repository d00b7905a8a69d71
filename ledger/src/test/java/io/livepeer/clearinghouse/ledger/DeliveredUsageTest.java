package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage.SubjectTotals;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The outbox side of the OpenMeter reconciliation: delivered totals per subject by usage time, exact. */
class DeliveredUsageTest {

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void only_delivered_events_of_the_period_count_pending_and_rejected_are_counted_apart(JdbcTarget target)
            throws Exception {
        Instant from = OutboxTest.T0;
        try (Database db = OutboxTest.open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, OutboxTest.CLOCK);
            // offsets are seconds after T0: e3 is before the end (3599 s), e4 at the end (outside)
            recorder.record(
                    List.of(
                            OutboxTest.entry("e0", "acme", "live", "0.000000000001", 0),
                            OutboxTest.entry("e1", "acme", "live", "2999999.999999999999", 10),
                            OutboxTest.entry("e2", "acme", "live", "5", 20),
                            OutboxTest.entry("e3", "globex", "live", "7", 3599),
                            OutboxTest.entry("e4", "globex", "live", "11", 3600)),
                    List.of());
            DeliveryQueue queue = new DeliveryQueue(db, "test", Duration.ofMinutes(1));
            List<DeliveryQueue.PendingEvent> claimed = queue.claim(10, from);
            // e0, e1, e3, e4 delivered; e2 rejected
            queue.markDelivered(List.of(
                    claimed.get(0).seq(),
                    claimed.get(1).seq(),
                    claimed.get(3).seq(),
                    claimed.get(4).seq()));
            queue.markRejected(claimed.get(2).seq(), "bad", from);
            recorder.record(List.of(OutboxTest.entry("e5", "acme", "live", "13", 30)), List.of());

            List<SubjectTotals> totals = new DeliveredUsage(db).bySubject(from, from.plusSeconds(3600));

            assertThat(totals)
                    .containsExactly(
                            new SubjectTotals("acme", 2, new BigDecimal("3000000"), new BigDecimal("3000000"), 1, 1),
                            new SubjectTotals("globex", 1, new BigDecimal("7"), new BigDecimal("7"), 0, 0));
            assertThat(new DeliveredUsage(db).bySubject(from.plusSeconds(3600), from.plusSeconds(7200)))
                    .containsExactly(new SubjectTotals("globex", 1, new BigDecimal("11"), new BigDecimal("11"), 0, 0));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void windows_are_bucketed_in_sql_at_utc_boundaries_the_same_on_both_databases(JdbcTarget target) throws Exception {
        Instant from = OutboxTest.T0; // 10:00:00Z
        try (Database db = OutboxTest.open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, OutboxTest.CLOCK);
            // 10:00:00, 10:59:59, 11:00:00 and 11:30:00 for acme; 10:15:00 for globex; 12:00:00 outside the period
            recorder.record(
                    List.of(
                            OutboxTest.entry("w0", "acme", "live", "1.000000000001", 0),
                            OutboxTest.entry("w1", "acme", "live", "2", 3599),
                            OutboxTest.entry("w2", "acme", "live", "4", 3600),
                            OutboxTest.entry("w3", "acme", "live", "8", 5400),
                            OutboxTest.entry("w4", "globex", "live", "16", 900),
                            OutboxTest.entry("w5", "acme", "live", "32", 7200)),
                    List.of());
            DeliveryQueue queue = new DeliveryQueue(db, "test", Duration.ofMinutes(1));
            List<DeliveryQueue.PendingEvent> claimed = queue.claim(10, from);
            // everything delivered but w3, which stays pending
            queue.markDelivered(claimed.stream()
                    .filter(e -> e.seq() != claimed.get(3).seq())
                    .map(DeliveryQueue.PendingEvent::seq)
                    .toList());

            List<DeliveredUsage.WindowTotals> hours =
                    new DeliveredUsage(db).bySubjectAndWindow(from, from.plusSeconds(7200), 3600);

            Instant eleven = from.plusSeconds(3600);
            assertThat(hours)
                    .containsExactly(
                            new DeliveredUsage.WindowTotals(
                                    "acme",
                                    from,
                                    2,
                                    new BigDecimal("3.000000000001"),
                                    new BigDecimal("3.000000000001"),
                                    0,
                                    0),
                            new DeliveredUsage.WindowTotals(
                                    "acme", eleven, 1, new BigDecimal("4"), new BigDecimal("4"), 1, 0),
                            new DeliveredUsage.WindowTotals(
                                    "globex", from, 1, new BigDecimal("16"), new BigDecimal("16"), 0, 0));
            // a day window holds the whole period: the per-subject totals
            assertThat(new DeliveredUsage(db).bySubjectAndWindow(from, from.plusSeconds(7200), 86_400))
                    .extracting(
                            DeliveredUsage.WindowTotals::subject,
                            DeliveredUsage.WindowTotals::windowStart,
                            DeliveredUsage.WindowTotals::events)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("acme", Instant.parse("2026-08-20T00:00:00Z"), 3L),
                            org.assertj.core.groups.Tuple.tuple("globex", Instant.parse("2026-08-20T00:00:00Z"), 1L));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void delivered_events_of_a_window_carry_their_ticket_identity_from_the_stored_cloud_event(JdbcTarget target)
            throws Exception {
        Instant from = OutboxTest.T0;
        try (Database db = OutboxTest.open(target)) {
            UsageRecorder recorder = new UsageRecorder(db, null, OutboxTest.CLOCK);
            OutboxEntry plain = OutboxTest.entry("d0", "acme", "live", "1", 0);
            OutboxEntry ticket = new OutboxEntry(
                    "d1",
                    "acme",
                    "live",
                    "unknown",
                    from.plusSeconds(1),
                    new BigInteger("1000"),
                    new BigDecimal("2"),
                    new BigDecimal("2.3"),
                    new BigDecimal("3000"),
                    "{\"id\":\"d1\",\"data\":{\"session_id\":\"abcd0123\",\"gateway_request_id\":\"ff00ff00\"}}",
                    "0xorch",
                    new KafkaCoordinates("signer", 0, 1));
            recorder.record(List.of(plain, ticket, OutboxTest.entry("d2", "globex", "live", "1", 2)), List.of());
            DeliveryQueue queue = new DeliveryQueue(db, "test", Duration.ofMinutes(1));
            queue.markDelivered(queue.claim(10, from).stream()
                    .map(DeliveryQueue.PendingEvent::seq)
                    .toList());

            List<DeliveredUsage.DeliveredEvent> events =
                    new DeliveredUsage(db).deliveredEvents("acme", from, from.plusSeconds(60), 10);

            assertThat(events)
                    .containsExactly(
                            new DeliveredUsage.DeliveredEvent(
                                    "d0",
                                    from,
                                    new BigInteger("123456789012345678901"),
                                    new BigDecimal("1"),
                                    new BigDecimal("1"),
                                    null,
                                    null,
                                    null),
                            new DeliveredUsage.DeliveredEvent(
                                    "d1",
                                    from.plusSeconds(1),
                                    new BigInteger("1000"),
                                    new BigDecimal("2"),
                                    new BigDecimal("2.3"),
                                    "abcd0123",
                                    null,
                                    "ff00ff00"));
            assertThat(new DeliveredUsage(db).deliveredEvents("acme", from, from.plusSeconds(60), 1))
                    .hasSize(1);
        }
    }
}
