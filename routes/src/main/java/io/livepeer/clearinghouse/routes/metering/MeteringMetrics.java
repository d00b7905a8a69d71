package io.livepeer.clearinghouse.routes.metering;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The metering flow's Prometheus metrics (on {@code /observe/metrics}). Counters count events, never money.
 *
 * <ul>
 *   <li>{@code clearinghouse_events_consumed_total}: Kafka records read</li>
 *   <li>{@code clearinghouse_events_metered_total}: signed tickets written to the outbox (new ids only)</li>
 *   <li>{@code clearinghouse_events_duplicate_total}: signed tickets whose id was already in the outbox</li>
 *   <li>{@code clearinghouse_events_skipped_total{type}}: other event types sharing the topic</li>
 *   <li>{@code clearinghouse_events_dead_lettered_total}: bad input kept as dead letters</li>
 *   <li>{@code clearinghouse_metering_batch_seconds}: time to meter and store one Kafka batch</li>
 * </ul>
 */
public final class MeteringMetrics {

    private final Counter consumed;
    private final Counter metered;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final Timer batchTimer;
    private final MeterRegistry registry;

    /** @param registry where the meters are registered */
    public MeteringMetrics(MeterRegistry registry) {
        this.registry = registry;
        consumed = counter("clearinghouse.events.consumed", "Kafka records read from the signer topic");
        metered = counter("clearinghouse.events.metered", "Signed tickets metered into the outbox");
        duplicates = counter("clearinghouse.events.duplicate", "Signed tickets already in the outbox (redelivery)");
        deadLettered = counter("clearinghouse.events.dead.lettered", "Records kept as dead letters");
        batchTimer = Timer.builder("clearinghouse.metering.batch")
                .description("Metering and storing one Kafka batch")
                .register(registry);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    /** Counts a consumed batch. */
    public void batch(int consumedCount, int meteredCount, int duplicateCount, int deadLetteredCount) {
        consumed.increment(consumedCount);
        metered.increment(meteredCount);
        duplicates.increment(duplicateCount);
        deadLettered.increment(deadLetteredCount);
    }

    /** Counts a skipped record of another event type (the type label is cut at 64 characters). */
    public void skipped(String eventType) {
        registry.counter(
                        "clearinghouse.events.skipped",
                        "type",
                        eventType.length() > 64 ? eventType.substring(0, 64) : eventType)
                .increment();
    }

    /** The batch timer. */
    public Timer batchTimer() {
        return batchTimer;
    }

    /** Records read so far. */
    public long consumedCount() {
        return (long) consumed.count();
    }

    /** Events metered so far (new ids). */
    public long meteredCount() {
        return (long) metered.count();
    }

    /** Duplicate ids seen so far. */
    public long duplicateCount() {
        return (long) duplicates.count();
    }

    /** Records dead-lettered so far. */
    public long deadLetteredCount() {
        return (long) deadLettered.count();
    }

    /** Skipped records over all event types. */
    public long skippedCount() {
        return (long) registry.find("clearinghouse.events.skipped").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }
}
