package io.livepeer.clearinghouse.routes.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.livepeer.clearinghouse.ledger.completeness.TicketFacts;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The gap gauges and the sequence-gaps health check: a warning with details, never DOWN. */
class SequenceGapsHealthCheckTest {

    @Test
    void open_gaps_are_a_warning_with_details_and_gauges_never_down() throws Exception {
        var target = TestDatabases.h2();
        Instant now = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
                DefaultCamelContext context = new DefaultCamelContext()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            CompletenessMonitor monitor =
                    new CompletenessMonitor(new SequenceGaps(db), registry, Clock.fixed(now, ZoneOffset.UTC));
            SequenceGapsHealthCheck check = new SequenceGapsHealthCheck(monitor);
            check.setCamelContext(context);
            assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);

            UsageRecorder recorder = new UsageRecorder(db, null, Clock.fixed(now, ZoneOffset.UTC));
            recorder.record(List.of(entry("a", 0), entry("b", 4)), List.of(facts(0), facts(4)), List.of());
            monitor.refresh();

            HealthCheck.Result result = check.call();
            assertThat(result.getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(result.getMessage())
                    .hasValueSatisfying(m -> assertThat(m).startsWith("WARNING: 1 open gap"));
            assertThat(result.getDetails())
                    .containsEntry("open_gaps", 1L)
                    .containsEntry("missing_calls", 3L)
                    .containsEntry("estimated_unbilled_wei", "3000");
            assertThat(registry.get("clearinghouse.sequence.gaps.open").gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get("clearinghouse.sequence.gaps.missing.calls")
                            .gauge()
                            .value())
                    .isEqualTo(3);
            assertThat(registry.get("clearinghouse.sequence.gaps.missing.tickets")
                            .gauge()
                            .value())
                    .isEqualTo(3);
            assertThat(registry.get("clearinghouse.sequence.gaps.unbilled.usd.micros")
                            .gauge()
                            .value())
                    .isEqualTo(6);
        }
    }

    private static OutboxEntry entry(String id, long offset) {
        return new OutboxEntry(
                id,
                "c:u",
                "live",
                "unknown",
                Instant.parse("2026-08-20T10:00:00Z"),
                BigInteger.valueOf(1000),
                new BigDecimal("2"),
                new BigDecimal("2"),
                new BigDecimal("3000"),
                "{}",
                null,
                new KafkaCoordinates("signer", 0, offset));
    }

    private static TicketFacts facts(long seq) {
        byte[] raw = ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8);
        return new TicketFacts(TicketFacts.sha256(raw), "", "s", seq, 1, null, raw);
    }
}
