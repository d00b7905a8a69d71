package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.completeness.TicketTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metering flow's Prometheus metrics (on {@code /observe/metrics}). Counters count events, never money.
 *
 * <ul>
 *   <li>{@code clearinghouse_events_consumed_total}: Kafka records read</li>
 *   <li>{@code clearinghouse_events_metered_total}: signed tickets written to the outbox (new ids only)</li>
 *   <li>{@code clearinghouse_events_duplicate_total}: signed tickets whose id was already in the outbox</li>
 *   <li>{@code clearinghouse_events_skipped_total{type}}: other event types sharing the topic</li>
 *   <li>{@code clearinghouse_events_dead_lettered_total{reason}}: bad input kept as dead letters, by reason category
 *       ({@link #reasonCategory(String)}: a fixed set, every one present from the start)</li>
 *   <li>{@code clearinghouse_metering_batch_seconds}: time to meter and store one Kafka batch (histogram)</li>
 * </ul>
 */
public final class MeteringMetrics {

    /** The dead-letter reason categories, the only values of the {@code reason} label. */
    public static final List<String> REASONS = List.of(
            "malformed",
            "invalid_fee",
            "no_identity",
            "future_time",
            "too_old",
            "invalid_field",
            "refused_by_database",
            "internal_error",
            "fork");

    private final Counter consumed;
    private final Counter metered;
    private final Counter duplicates;
    private final Map<String, Counter> deadLettered = new LinkedHashMap<>();
    private final Timer batchTimer;
    private final MeterRegistry registry;

    /** @param registry where the meters are registered */
    public MeteringMetrics(MeterRegistry registry) {
        this.registry = registry;
        consumed = counter("clearinghouse.events.consumed", "Kafka records read from the signer topic");
        metered = counter("clearinghouse.events.metered", "Signed tickets metered into the outbox");
        duplicates = counter("clearinghouse.events.duplicate", "Signed tickets already in the outbox (redelivery)");
        for (String reason : REASONS) {
            deadLettered.put(
                    reason,
                    Counter.builder("clearinghouse.events.dead.lettered")
                            .tag("reason", reason)
                            .description("Records kept as dead letters, by reason category")
                            .register(registry));
        }
        batchTimer = Timer.builder("clearinghouse.metering.batch")
                .description("Metering and storing one Kafka batch")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    /**
     * The bounded category of a dead-letter reason (the reasons of {@code SignerEventMetering} and
     * {@code SignerEventParser}, and the database's refusals found by {@link MeteringBatchProcessor}), the
     * {@code reason} label of {@code clearinghouse_events_dead_lettered_total}.
     */
    public static String reasonCategory(String reason) {
        if (reason == null) {
            return "invalid_field";
        }
        if (reason.startsWith("computed_fee")) {
            return "invalid_fee";
        }
        if (reason.startsWith("no billable identity")) {
            return "no_identity";
        }
        if (reason.startsWith("usage time") && reason.contains(" is older than ")) {
            return "too_old";
        }
        if (reason.startsWith("usage time")) {
            return "future_time";
        }
        if (reason.startsWith(MeteringBatchProcessor.REFUSED) || reason.startsWith("dead letter refused")) {
            return "refused_by_database";
        }
        if (reason.startsWith(TicketTracker.FORK + ":")) {
            return "fork";
        }
        if (reason.startsWith("internal error")) {
            return "internal_error";
        }
        if (reason.startsWith("empty record")
                || reason.startsWith("not JSON")
                || reason.startsWith("unreadable record")
                || reason.startsWith("envelope ")
                || reason.startsWith("create_signed_ticket has no data")
                || reason.startsWith("data is not an object")) {
            return "malformed";
        }
        return "invalid_field";
    }

    /** Counts a consumed batch. */
    public void batch(int consumedCount, int meteredCount, int duplicateCount) {
        consumed.increment(consumedCount);
        metered.increment(meteredCount);
        duplicates.increment(duplicateCount);
    }

    /** Counts new dead letters by the category of their reasons. */
    public void deadLettered(List<String> reasons) {
        for (String reason : reasons) {
            deadLettered.get(reasonCategory(reason)).increment();
        }
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

    /** Records dead-lettered so far, over all reasons. */
    public long deadLetteredCount() {
        return (long) deadLettered.values().stream().mapToDouble(Counter::count).sum();
    }

    /** Records dead-lettered so far with a reason of {@code category}. */
    public long deadLetteredCount(String category) {
        Counter counter = deadLettered.get(category);
        return counter == null ? 0 : (long) counter.count();
    }

    /** Skipped records over all event types. */
    public long skippedCount() {
        return (long) registry.find("clearinghouse.events.skipped").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }
}
