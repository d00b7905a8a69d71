package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.completeness.TicketTracker;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
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
 *   <li>{@code clearinghouse_metering_price_audit_divergence_ratio}: |signer − oracle| / oracle of each metered event
 *       whose signer sent {@code computed_fee_usd} (a ratio, 0.02 = 2 %; buckets 0.1 % … 100 %)</li>
 *   <li>{@code clearinghouse_metering_price_audit_flagged_total}: events whose two USD values differ by more than
 *       {@code clearinghouse.metering.price-audit-tolerance}</li>
 *   <li>{@code clearinghouse_metering_price_audit_unaudited_total}: events without {@code computed_fee_usd}</li>
 *   <li>{@code clearinghouse_metering_usd_fallback_total}: with {@code usd-source = signer}, events billed at the
 *       oracle's conversion because the signer sent no USD value</li>
 * </ul>
 * The price-audit meters count metered events when their batch is stored; a batch read again after a failure counts
 * again (the outbox's {@code price_audit_flagged} column is exact).
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
    private final DistributionSummary divergence;
    private final Counter flagged;
    private final Counter unaudited;
    private final Counter usdFallback;
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
        divergence = DistributionSummary.builder("clearinghouse.metering.price.audit.divergence")
                .baseUnit("ratio")
                .description("Relative divergence |signer - oracle| / oracle of the two USD values of an event")
                .serviceLevelObjectives(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
                .register(registry);
        flagged = counter(
                "clearinghouse.metering.price.audit.flagged",
                "Events whose signer and oracle USD values differ by more than the tolerance");
        unaudited = counter(
                "clearinghouse.metering.price.audit.unaudited",
                "Events without the signer's computed_fee_usd (nothing to audit)");
        usdFallback = counter(
                "clearinghouse.metering.usd.fallback",
                "Events billed at the oracle's conversion although usd-source is signer (no computed_fee_usd)");
    }

    /**
     * Records the price audit of one metered event.
     *
     * @param audit    its audit
     * @param fallback whether the signer's value was wanted but absent
     */
    public void priceAudit(PriceAudit audit, boolean fallback) {
        if (!audit.audited()) {
            unaudited.increment();
        } else {
            if (audit.relativeDivergence() != null) {
                // a ratio for a histogram, never money
                divergence.record(audit.relativeDivergence().doubleValue());
            }
            if (audit.flagged()) {
                flagged.increment();
            }
        }
        if (fallback) {
            usdFallback.increment();
        }
    }

    /** Events flagged by the price audit so far. */
    public long priceAuditFlaggedCount() {
        return (long) flagged.count();
    }

    /** Events billed at the oracle although the signer's value was wanted. */
    public long usdFallbackCount() {
        return (long) usdFallback.count();
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

    /**
     * Counts a batch (or part of one) the database refused whole, which is then stored in halves
     * ({@code clearinghouse_metering_batch_splits_total}): rare (a record the database refuses, a race with another
     * instance); a steady rate is a partition that crawls.
     */
    public void splitBatch() {
        registry.counter("clearinghouse.metering.batch.splits").increment();
    }

    /** How many batches the database refused whole ({@link #splitBatch}). */
    public long splitBatchCount() {
        return (long) registry.counter("clearinghouse.metering.batch.splits").count();
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
