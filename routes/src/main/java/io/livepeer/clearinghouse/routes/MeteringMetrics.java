package io.livepeer.clearinghouse.routes;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.livepeer.clearinghouse.routes.price.PriceService;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipeline's Prometheus metrics (on {@code /observe/metrics}). Counters count events, never money.
 *
 * <ul>
 *   <li>{@code clearinghouse_events_consumed_total}: Kafka records read</li>
 *   <li>{@code clearinghouse_events_metered_total}: signed tickets written to the outbox (new ids only)</li>
 *   <li>{@code clearinghouse_events_duplicate_total}: signed tickets whose id was already in the outbox</li>
 *   <li>{@code clearinghouse_events_skipped_total}: other event types sharing the topic</li>
 *   <li>{@code clearinghouse_events_dead_lettered_total}: bad input kept as dead letters</li>
 *   <li>{@code clearinghouse_events_delivered_total}, {@code clearinghouse_events_rejected_total}: OpenMeter outcome</li>
 *   <li>{@code clearinghouse_openmeter_requests_total{outcome}}: success, rejected, retryable</li>
 *   <li>{@code clearinghouse_outbox_backlog}: pending events; {@code clearinghouse_outbox_oldest_pending_seconds}</li>
 *   <li>{@code clearinghouse_price_age_seconds}, {@code clearinghouse_price_stale}, {@code clearinghouse_price_usd}</li>
 *   <li>{@code clearinghouse_metering_batch_seconds}: time to meter and store one Kafka batch</li>
 * </ul>
 */
public final class MeteringMetrics {

    private final Counter consumed;
    private final Counter metered;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final Counter delivered;
    private final Counter rejected;
    private final Counter requestsOk;
    private final Counter requestsRejected;
    private final Counter requestsRetryable;
    private final Timer batchTimer;
    private final MeterRegistry registry;
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong oldestPendingSeconds = new AtomicLong();

    public MeteringMetrics(MeterRegistry registry, PriceService price) {
        this.registry = registry;
        consumed = counter("clearinghouse.events.consumed", "Kafka records read from the signer topic");
        metered = counter("clearinghouse.events.metered", "Signed tickets metered into the outbox");
        duplicates = counter("clearinghouse.events.duplicate", "Signed tickets already in the outbox (redelivery)");
        deadLettered = counter("clearinghouse.events.dead.lettered", "Records kept as dead letters");
        delivered = counter("clearinghouse.events.delivered", "Events accepted by OpenMeter");
        rejected = counter("clearinghouse.events.rejected", "Events refused by OpenMeter (400/413)");
        requestsOk = Counter.builder("clearinghouse.openmeter.requests").tag("outcome", "success")
                .description("OpenMeter ingest requests").register(registry);
        requestsRejected = Counter.builder("clearinghouse.openmeter.requests").tag("outcome", "rejected")
                .description("OpenMeter ingest requests").register(registry);
        requestsRetryable = Counter.builder("clearinghouse.openmeter.requests").tag("outcome", "retryable")
                .description("OpenMeter ingest requests").register(registry);
        batchTimer = Timer.builder("clearinghouse.metering.batch").description("Metering and storing one Kafka batch")
                .register(registry);
        Gauge.builder("clearinghouse.outbox.backlog", backlog, AtomicLong::get)
                .description("Events pending delivery to OpenMeter").register(registry);
        Gauge.builder("clearinghouse.outbox.oldest.pending.seconds", oldestPendingSeconds, AtomicLong::get)
                .description("Age of the oldest pending event").register(registry);
        Gauge.builder("clearinghouse.price.age.seconds", price, p -> p.age().map(Duration::toSeconds).orElse(-1L))
                .description("Age of the ETH/USD price, -1 without a price").register(registry);
        Gauge.builder("clearinghouse.price.stale", price, p -> p.isStale() ? 1 : 0)
                .description("1 when the ETH/USD price is older than the stale threshold").register(registry);
        Gauge.builder("clearinghouse.price.usd", price,
                        p -> p.current().map(q -> q.usdPerEth().doubleValue()).orElse(0.0))
                .description("ETH/USD price in use (display only; metering uses exact decimals)").register(registry);
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

    /** Counts a skipped record of another event type. */
    public void skipped(String eventType) {
        registry.counter("clearinghouse.events.skipped", "type", eventType.length() > 64
                ? eventType.substring(0, 64) : eventType).increment();
    }

    /** Counts events OpenMeter accepted and refused, and the requests that settled them. */
    public void settled(int deliveredEvents, int rejectedEvents, int successfulRequests, int rejectingRequests) {
        delivered.increment(deliveredEvents);
        rejected.increment(rejectedEvents);
        requestsOk.increment(successfulRequests);
        requestsRejected.increment(rejectingRequests);
    }

    /** Counts a request that failed in a retryable way (429, 5xx, no answer, …). */
    public void retryable() {
        requestsRetryable.increment();
    }

    public Timer batchTimer() {
        return batchTimer;
    }

    /** Updates the backlog gauges. */
    public void backlog(long pending, Duration oldestAge) {
        backlog.set(pending);
        oldestPendingSeconds.set(oldestAge.toSeconds());
    }

    public long consumedCount() {
        return (long) consumed.count();
    }

    public long meteredCount() {
        return (long) metered.count();
    }

    public long duplicateCount() {
        return (long) duplicates.count();
    }

    public long deadLetteredCount() {
        return (long) deadLettered.count();
    }

    public long deliveredCount() {
        return (long) delivered.count();
    }

    public long rejectedCount() {
        return (long) rejected.count();
    }

    /** Skipped records over all event types. */
    public long skippedCount() {
        return (long) registry.find("clearinghouse.events.skipped").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
