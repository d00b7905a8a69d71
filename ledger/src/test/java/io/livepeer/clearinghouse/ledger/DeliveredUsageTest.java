package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage.SubjectTotals;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
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
}
