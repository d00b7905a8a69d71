package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The H2 stall after a kill was invisible: the database refused every whole batch (a bogus unique violation) and
 * metering stored each one in halves, so a batch was stored now and then and the consumer check stayed UP while the
 * partition crawled (~31 records per 4 s). Now such a run of split batches is counted
 * ({@code clearinghouse_metering_batch_splits_total}) and, once it lasts {@code stall-after}, turns the
 * metering-consumer check DOWN with the database's reason; one batch stored whole ends it.
 */
class BatchSplitVisibilityTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T03:00:00Z"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MeteringMetrics metrics = new MeteringMetrics(registry);
    /** Parts larger than this are refused whole, as the locked sequence block refused them on H2. */
    final AtomicInteger refuseAbove = new AtomicInteger(16);

    final AtomicLong offset = new AtomicLong();
    final DefaultCamelContext context = new DefaultCamelContext();
    final MeteringBatchProcessor processor = processor();
    final MeteringConsumerHealthCheck check = new MeteringConsumerHealthCheck(
            () -> ServiceStatus.Started,
            () -> true,
            () -> null,
            () -> Map.of(3, 1000L),
            processor::lastBatchAt,
            processor::splitting,
            new AtomicLong()::incrementAndGet, // the group commits: the older stall rule stays quiet
            clock,
            Duration.ofMinutes(2));

    @AfterEach
    void close() throws Exception {
        processor.close();
        context.close();
    }

    @Test
    void batches_refused_whole_for_longer_than_stall_after_turn_the_consumer_check_down() throws Exception {
        processor.process(batch(62));
        assertThat(metrics.splitBatchCount()).isEqualTo(3); // 62 -> 31 + 31 -> 15 + 16 twice
        assertThat(processor.splitting()).isNotNull();
        assertThat(processor.splitting().since()).isEqualTo(clock.instant());
        assertThat(processor.splitting().reason()).contains("signer-events/3@0").contains("23505");
        assertThat(call().getState()).as("one split is a bad record or a race").isEqualTo(HealthCheck.State.UP);

        for (int i = 0; i < 30; i++) {
            clock.advance(Duration.ofSeconds(6));
            processor.process(batch(62)); // every batch stored, but only in parts
        }
        HealthCheck.Result result = call();
        assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(result.getMessage().orElseThrow())
                .startsWith("metering crawls: for 180 s the database refused every batch whole and it was stored only"
                        + " in parts (last: signer-events")
                .contains("23505");
        assertThat(result.getDetails()).containsEntry("stored_in_parts_since", "2026-11-29T03:00:00Z");

        // the database takes whole batches again: UP at once
        refuseAbove.set(Integer.MAX_VALUE);
        processor.process(batch(62));
        assertThat(processor.splitting()).isNull();
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);
    }

    HealthCheck.Result call() {
        check.setCamelContext(context);
        return check.call(Map.of());
    }

    /** {@code n} records of partition 3 that metering rejects (each becomes a dead letter: no price path needed). */
    Exchange batch(int n) {
        List<Exchange> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Exchange record = new DefaultExchange(context);
            record.getMessage().setHeader(KafkaConstants.TOPIC, "signer-events");
            record.getMessage().setHeader(KafkaConstants.PARTITION, 3);
            record.getMessage().setHeader(KafkaConstants.OFFSET, offset.getAndIncrement());
            record.getMessage().setBody("not json".getBytes(StandardCharsets.UTF_8));
            records.add(record);
        }
        offset.set(0); // the same records again, as a crawling partition reads them
        Exchange batch = new DefaultExchange(context);
        batch.getMessage().setBody(records);
        return batch;
    }

    MeteringBatchProcessor processor() {
        PriceService price = new PriceService(Duration.ofMinutes(15), clock);
        price.update(new PriceQuote(new BigDecimal("3000"), clock.instant(), "static"));
        return new MeteringBatchProcessor(
                new SignerEventMetering(
                        new UsageCloudEventMapper("test"),
                        Catalog.defaultCatalog().markup(),
                        new MeteringLimits(
                                new BigInteger("1000000000000000000000"), Duration.ofHours(1), Duration.ofDays(30))),
                price,
                (MeteringBatchProcessor.TrackingStore) (metered, facts, deadLetters) -> {
                    int size = metered.size() + deadLetters.size();
                    if (size > refuseAbove.get()) {
                        throw new SQLException(
                                "Unique index or primary key violation: ticket_events_event_id_uq (injected)", "23505");
                    }
                    return new UsageRecorder.Result(0, 0, List.<DeadLetterEntry>of(), 0, List.of());
                },
                1,
                metrics,
                deadLetters -> {},
                clock);
    }
}
