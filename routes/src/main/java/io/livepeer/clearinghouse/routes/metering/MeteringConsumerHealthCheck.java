package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.routes.core.HealthMessages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the metering consumer itself (the {@code kafka} check only says the brokers answer): DOWN, with the
 * reason, when
 *
 * <ul>
 *   <li>a price is known but the {@code signer-events} route is not started (stopped, suspended, failed to start);
 *   <li>the route's Kafka consumer task has terminated;
 *   <li>records are waiting (consumer lag above 0) but no batch has been stored for {@code stall-after}: the consumer
 *       thread died, is stuck, or every batch fails (the database check then says why). Seen: a consumer killed by
 *       six number bombs left the group {@code Dead} while health stayed UP.
 * </ul>
 *
 * Before the first price the route waits by design; the price check reports that, this one stays UP. The lag is the
 * {@link ConsumerLag} gauge's last refresh (every 15 s).
 */
public final class MeteringConsumerHealthCheck extends AbstractHealthCheck {

    private final Supplier<ServiceStatus> routeStatus;
    private final BooleanSupplier shouldRun;
    private final Supplier<String> consumerProblem;
    private final Supplier<Map<Integer, Long>> lag;
    private final Supplier<Instant> lastBatchAt;
    private final Clock clock;
    private final Duration stallAfter;
    private Instant runningSince;

    /**
     * @param routeStatus     the status of the {@code signer-events} route
     * @param shouldRun       whether the route should be consuming (an ETH/USD price is known)
     * @param consumerProblem why the route's Kafka consumer cannot consume, or null when it can
     * @param lag             consumer lag per partition (last refresh)
     * @param lastBatchAt     when the last batch was stored and committed, null before the first
     * @param clock           our clock
     * @param stallAfter      how long records may wait without a stored batch
     */
    public MeteringConsumerHealthCheck(
            Supplier<ServiceStatus> routeStatus,
            BooleanSupplier shouldRun,
            Supplier<String> consumerProblem,
            Supplier<Map<Integer, Long>> lag,
            Supplier<Instant> lastBatchAt,
            Clock clock,
            Duration stallAfter) {
        super("clearinghouse", "metering-consumer");
        this.routeStatus = routeStatus;
        this.shouldRun = shouldRun;
        this.consumerProblem = consumerProblem;
        this.lag = lag;
        this.lastBatchAt = lastBatchAt;
        this.clock = clock;
        this.stallAfter = stallAfter;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("route", SignerEventsRoute.ROUTE_ID);
        ServiceStatus status = routeStatus.get();
        builder.detail("route_status", String.valueOf(status));
        Instant now = clock.instant();
        if (status != ServiceStatus.Started) {
            runningSince = null;
            if (shouldRun.getAsBoolean()) {
                builder.down()
                        .message("metering consumer is not running: route " + SignerEventsRoute.ROUTE_ID + " is "
                                + status);
            } else {
                builder.up().message("waiting for an ETH-USD price");
            }
            return;
        }
        if (runningSince == null) {
            runningSince = now;
        }
        String problem = consumerProblem.get();
        if (problem != null) {
            builder.down().message(HealthMessages.safe("metering consumer is not consuming: " + problem));
            return;
        }
        long waiting = lag.get().values().stream().mapToLong(Long::longValue).sum();
        Instant last = lastBatchAt.get();
        builder.detail("lag", waiting);
        if (last != null) {
            builder.detail("last_batch_at", last.toString());
        }
        Instant since = last == null || last.isBefore(runningSince) ? runningSince : last;
        Duration idle = Duration.between(since, now);
        if (waiting > 0 && idle.compareTo(stallAfter) > 0) {
            builder.down()
                    .message("metering consumer is not consuming: " + waiting + " record(s) waiting and no batch stored"
                            + " for " + idle.toSeconds() + " s" + (last == null ? "" : " (last at " + last + ")"));
            return;
        }
        builder.up();
    }
}
