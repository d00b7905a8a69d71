package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.routes.core.HealthMessages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
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
 *   <li>records are waiting (consumer lag above 0) but for {@code stall-after} neither this instance stored a batch
 *       nor the consumer group committed anything: the consumer thread died, is stuck, or every batch fails (the
 *       database check then says why). Seen: a consumer killed by six number bombs left the group {@code Dead} while
 *       health stayed UP. An instance that owns no partition while another one consumes stays UP: the group's
 *       committed position moves.
 *   <li>for {@code stall-after} every batch was refused whole by the database and stored only in parts
 *       ({@link MeteringBatchProcessor#splitting}): the partition moves, but at a crawl. Seen after a SIGKILL on H2
 *       (docs/operations.md, "H2 after a kill"): ~31 records per 4 s while health stayed UP.
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
    private final Supplier<MeteringBatchProcessor.Splitting> splitting;
    private final LongSupplier groupPosition;
    private final Clock clock;
    private final Duration stallAfter;
    private Instant runningSince;
    private long lastPosition = -1;
    private Instant positionMovedAt;

    /**
     * @param routeStatus     the status of the {@code signer-events} route
     * @param shouldRun       whether the route should be consuming (an ETH/USD price is known)
     * @param consumerProblem why the route's Kafka consumer cannot consume, or null when it can
     * @param lag             consumer lag per partition (last refresh)
     * @param lastBatchAt     when the last batch was stored and committed, null before the first
     * @param groupPosition   the consumer group's committed position (sum of committed offsets, last refresh)
     * @param clock           our clock
     * @param stallAfter      how long records may wait without a stored batch
     */
    public MeteringConsumerHealthCheck(
            Supplier<ServiceStatus> routeStatus,
            BooleanSupplier shouldRun,
            Supplier<String> consumerProblem,
            Supplier<Map<Integer, Long>> lag,
            Supplier<Instant> lastBatchAt,
            LongSupplier groupPosition,
            Clock clock,
            Duration stallAfter) {
        this(routeStatus, shouldRun, consumerProblem, lag, lastBatchAt, () -> null, groupPosition, clock, stallAfter);
    }

    /**
     * As above, and
     *
     * @param splitting since when every batch was stored only in parts, null when the last one was stored whole
     */
    public MeteringConsumerHealthCheck(
            Supplier<ServiceStatus> routeStatus,
            BooleanSupplier shouldRun,
            Supplier<String> consumerProblem,
            Supplier<Map<Integer, Long>> lag,
            Supplier<Instant> lastBatchAt,
            Supplier<MeteringBatchProcessor.Splitting> splitting,
            LongSupplier groupPosition,
            Clock clock,
            Duration stallAfter) {
        super("clearinghouse", "metering-consumer");
        this.splitting = splitting;
        this.routeStatus = routeStatus;
        this.shouldRun = shouldRun;
        this.consumerProblem = consumerProblem;
        this.lag = lag;
        this.lastBatchAt = lastBatchAt;
        this.groupPosition = groupPosition;
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
        long position = groupPosition.getAsLong();
        if (position != lastPosition) {
            lastPosition = position;
            positionMovedAt = now;
        }
        Instant since = latest(latest(runningSince, last), positionMovedAt);
        Duration idle = Duration.between(since, now);
        if (waiting > 0 && idle.compareTo(stallAfter) > 0) {
            builder.down()
                    .message("metering consumer is not consuming: " + waiting + " record(s) waiting and no batch stored"
                            + " or committed for " + idle.toSeconds() + " s"
                            + (last == null ? "" : " (last batch here at " + last + ")"));
            return;
        }
        MeteringBatchProcessor.Splitting split = splitting.get();
        if (split != null) {
            Duration crawling = Duration.between(split.since(), now);
            builder.detail("stored_in_parts_since", split.since().toString());
            if (crawling.compareTo(stallAfter) > 0) {
                builder.down()
                        .message(HealthMessages.safe("metering crawls: for " + crawling.toSeconds() + " s the database"
                                + " refused every batch whole and it was stored only in parts (last: " + split.reason()
                                + ")"));
                return;
            }
        }
        builder.up();
    }

    private static Instant latest(Instant a, Instant b) {
        return b == null || (a != null && a.isAfter(b)) ? a : b;
    }
}
