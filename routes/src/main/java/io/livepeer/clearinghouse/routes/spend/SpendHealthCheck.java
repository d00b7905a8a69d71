package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.bridge.SpendLeases;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * {@code spend-control}: the metering lag as spend control sees it and the policy it applies, never DOWN (a lagging
 * consumer is the metering flow's health; taking the webhook out of rotation would turn every signer call into a
 * 500). Details: {@code metering_lag_seconds}, {@code lag_threshold_seconds}, {@code lag_policy}, {@code lagging},
 * {@code reservations}, {@code leases} (and with leases on: {@code lease_customers}, {@code lease_in_memory_allows},
 * {@code lease_fallbacks}, {@code lease_sync_failures}, {@code lease_last_sync}); the message says when {@code /authorize} is refusing (deny) or allowing within the
 * overdraft limit (allow).
 */
public final class SpendHealthCheck extends AbstractHealthCheck {

    private final SpendControl spend;

    public SpendHealthCheck(SpendControl spend) {
        super("clearinghouse", "spend-control");
        this.spend = spend;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        SpendControl.Policy p = spend.policy();
        Duration lag = spend.lastMeteringLag();
        boolean lagging = spend.lastLagging();
        builder.up();
        builder.detail("reservations", p.reservations());
        builder.detail("metering_lag_seconds", lag.toSeconds());
        builder.detail("lag_threshold_seconds", p.lagThreshold().toSeconds());
        builder.detail("lag_policy", p.lagPolicy().name().toLowerCase());
        builder.detail("lagging", lagging);
        SpendLeases leases = spend.leases();
        builder.detail("leases", leases != null);
        if (leases != null) {
            builder.detail("lease_customers", leases.leased());
            builder.detail("lease_in_memory_allows", leases.inMemoryAllows());
            builder.detail("lease_fallbacks", leases.fallbacks());
            builder.detail("lease_sync_failures", leases.syncFailures());
            Instant last = leases.lastSyncAt();
            builder.detail("lease_last_sync", last == null ? "never" : last.toString());
        }
        if (!lagging) {
            builder.message("metering keeps up with the signer");
        } else if (p.lagPolicy() == SpendControl.LagPolicy.DENY) {
            builder.message("WARNING: metering is " + lag.toSeconds()
                    + " s behind: /authorize answers 503 billing_unavailable (lag policy deny)");
        } else {
            builder.message("WARNING: metering is " + lag.toSeconds()
                    + " s behind: /authorize allows within balance plus overdraft, holds do not expire"
                    + " (lag policy allow)");
        }
    }
}
