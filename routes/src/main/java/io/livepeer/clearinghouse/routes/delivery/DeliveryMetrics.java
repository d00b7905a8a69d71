package io.livepeer.clearinghouse.routes.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The delivery flow's Prometheus metrics (on {@code /observe/metrics}). Counters count events and requests, never
 * money.
 *
 * <ul>
 *   <li>{@code clearinghouse_events_delivered_total}, {@code clearinghouse_events_rejected_total}: OpenMeter outcome</li>
 *   <li>{@code clearinghouse_openmeter_requests_total{outcome}}: success, rejected, retryable</li>
 *   <li>{@code clearinghouse_events_resent_total}: events sent again after a failed or unanswered attempt</li>
 *   <li>{@code clearinghouse_outbox_backlog}: pending events; {@code clearinghouse_outbox_oldest_pending_seconds}</li>
 *   <li>{@code clearinghouse_delivery_enabled} (1 with {@code OPENMETER_URL}), {@code clearinghouse_delivery_paused}
 *       (1 while backing off after a retryable failure), {@code clearinghouse_delivery_consecutive_failures}
 *       (systemic failures since the last success), {@code clearinghouse_delivery_blocked{reason}} (1 while delivery
 *       is paused by a failure that needs a person: {@code unauthorized}, {@code forbidden}, {@code not_found},
 *       {@code rejected}, {@code refused}): see {@link #watch(OutboxDelivery)}</li>
 * </ul>
 */
public final class DeliveryMetrics {

    private final Counter delivered;
    private final Counter rejected;
    private final Counter requestsOk;
    private final Counter requestsRejected;
    private final Counter requestsRetryable;
    private final Counter resent;
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong oldestPendingSeconds = new AtomicLong();
    private final MeterRegistry registry;

    /** @param registry where the meters are registered */
    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        delivered = Counter.builder("clearinghouse.events.delivered")
                .description("Events accepted by OpenMeter")
                .register(registry);
        rejected = Counter.builder("clearinghouse.events.rejected")
                .description("Events refused by OpenMeter on their own (400/413/422 while other events were accepted)")
                .register(registry);
        requestsOk = request(registry, "success");
        requestsRejected = request(registry, "rejected");
        requestsRetryable = request(registry, "retryable");
        resent = Counter.builder("clearinghouse.events.resent")
                .description("Events sent again after an attempt that failed or whose answer was lost: counted twice by"
                        + " OpenMeter unless it deduplicates on (source, id)")
                .register(registry);
        Gauge.builder("clearinghouse.outbox.backlog", backlog, AtomicLong::get)
                .description("Events pending delivery to OpenMeter")
                .register(registry);
        Gauge.builder("clearinghouse.outbox.oldest.pending.seconds", oldestPendingSeconds, AtomicLong::get)
                .description("Age of the oldest pending event")
                .register(registry);
    }

    /** Registers the delivery state gauges over {@code delivery} (they read its in-memory status, no I/O). */
    public void watch(OutboxDelivery delivery) {
        MeterRegistry registry = this.registry;
        Gauge.builder("clearinghouse.delivery.enabled", delivery, d -> d.enabled() ? 1 : 0)
                .description("1 when events are delivered to OpenMeter (OPENMETER_URL is set)")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.delivery.paused",
                        delivery,
                        d -> d.status().state() == OutboxDelivery.State.BACKING_OFF ? 1 : 0)
                .description("1 while delivery backs off after a retryable failure")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.delivery.consecutive.failures",
                        delivery,
                        d -> d.status().consecutiveFailures())
                .description("Systemic OpenMeter failures since the last success")
                .register(registry);
        for (OutboxDelivery.PauseReason reason : OutboxDelivery.PauseReason.values()) {
            Gauge.builder(
                            "clearinghouse.delivery.blocked",
                            delivery,
                            d -> d.status().pauseReason() == reason ? 1 : 0)
                    .tag("reason", reason.tag())
                    .description("1 while delivery is paused by a failure that needs a person (credentials, URL,"
                            + " a proxy or content type every event is refused for)")
                    .register(registry);
        }
    }

    private static Counter request(MeterRegistry registry, String outcome) {
        return Counter.builder("clearinghouse.openmeter.requests")
                .tag("outcome", outcome)
                .description("OpenMeter ingest requests")
                .register(registry);
    }

    /** Counts events OpenMeter accepted and refused, and the requests that settled them. */
    public void settled(int deliveredEvents, int rejectedEvents, int successfulRequests, int rejectingRequests) {
        delivered.increment(deliveredEvents);
        rejected.increment(rejectedEvents);
        requestsOk.increment(successfulRequests);
        requestsRejected.increment(rejectingRequests);
    }

    /** Counts events sent again after an earlier attempt. */
    public void resent(long events) {
        resent.increment(events);
    }

    /** Events re-sent so far. */
    public long resentCount() {
        return (long) resent.count();
    }

    /** Counts a request that failed in a retryable way (429, 5xx, no answer, …). */
    public void retryable() {
        requestsRetryable.increment();
    }

    /** Updates the backlog gauges. */
    public void backlog(long pending, Duration oldestAge) {
        backlog.set(pending);
        oldestPendingSeconds.set(oldestAge.toSeconds());
    }

    /** Events delivered so far. */
    public long deliveredCount() {
        return (long) delivered.count();
    }

    /** Events rejected so far. */
    public long rejectedCount() {
        return (long) rejected.count();
    }
}
