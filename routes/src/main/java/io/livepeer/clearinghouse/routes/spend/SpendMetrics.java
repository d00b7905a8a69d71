package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.bridge.SpendControl;
import io.micrometer.core.instrument.Counter;
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
