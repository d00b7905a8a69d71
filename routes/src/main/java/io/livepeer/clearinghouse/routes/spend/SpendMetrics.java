package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.bridge.SpendLeases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Spend control's Prometheus metrics:
 * <ul>
 *   <li>{@code clearinghouse_spend_metering_lag_seconds}: metering lag as measured from the holds</li>
 *   <li>{@code clearinghouse_spend_metering_lagging}: 1 while above the threshold (the lag policy applies)</li>
 *   <li>{@code clearinghouse_spend_pauses_active}: active pauses of the kill switch (as last read)</li>
 *   <li>{@code clearinghouse_spend_holds_expired_total}: holds that expired without their events</li>
 *   <li>{@code clearinghouse_spend_held_drift_customers}: customers whose running open-hold total differed from their
 *       open holds at the last reconcile (repaired then; should stay 0)</li>
 *   <li>with budget leases: {@code clearinghouse_spend_lease_customers} (leases this instance holds),
 *       {@code clearinghouse_spend_lease_leased_usd_micros} (leased and not yet allowed),
 *       {@code clearinghouse_spend_lease_in_memory_allows_total} (reservations decided in memory),
 *       {@code clearinghouse_spend_lease_fallbacks_total} (reservations that took the database path),
 *       {@code clearinghouse_spend_lease_sync_failures_total}</li>
 * </ul>
 */
public final class SpendMetrics {

    private final Counter expired;
    private volatile int pauses;
    private volatile int heldDrift;

    public SpendMetrics(MeterRegistry registry, SpendControl spend) {
        Gauge.builder(
                        "clearinghouse.spend.metering.lag.seconds",
                        spend,
                        s -> s.lastMeteringLag().toSeconds())
                .description("How far metering is behind the signer, from the holds not yet settled")
                .register(registry);
        Gauge.builder("clearinghouse.spend.metering.lagging", spend, s -> s.lastLagging() ? 1 : 0)
                .description("1 while metering lags more than the threshold and the lag policy applies")
                .register(registry);
        Gauge.builder("clearinghouse.spend.pauses.active", this, m -> m.pauses)
                .description("Active pauses of the kill switch")
                .register(registry);
        Gauge.builder("clearinghouse.spend.held.drift.customers", this, m -> m.heldDrift)
                .description("Customers whose running open-hold total differed from their open holds at the last check")
                .register(registry);
        if (spend.leases() != null) {
            SpendLeases leases = spend.leases();
            Gauge.builder("clearinghouse.spend.lease.customers", leases, SpendLeases::leased)
                    .description("Customers this instance holds a budget lease for")
                    .register(registry);
            Gauge.builder(
                            "clearinghouse.spend.lease.leased.usd.micros",
                            leases,
                            l -> l.leasedAmount().doubleValue())
                    .description("USD micros leased to this instance and not yet allowed")
                    .register(registry);
            FunctionCounter.builder(
                            "clearinghouse.spend.lease.in.memory.allows", leases, l -> (double) l.inMemoryAllows())
                    .description("Reservations decided in memory against a budget lease")
                    .register(registry);
            FunctionCounter.builder("clearinghouse.spend.lease.fallbacks", leases, l -> (double) l.fallbacks())
                    .description("Reservations that took the database path (no valid lease, or it did not cover)")
                    .register(registry);
            FunctionCounter.builder("clearinghouse.spend.lease.sync.failures", leases, l -> (double) l.syncFailures())
                    .description("Budget lease syncs that failed")
                    .register(registry);
        }
        this.expired = Counter.builder("clearinghouse.spend.holds.expired")
                .description("Holds that expired before their events settled them")
                .register(registry);
    }

    /** Counts expired holds. */
    public void expired(int count) {
        expired.increment(count);
    }

    /** Customers found drifted (and repaired) by the last reconcile. */
    public void heldDrift(int count) {
        heldDrift = count;
    }

    /** The active pauses as last read. */
    public void pauses(int count) {
        pauses = count;
    }
}
