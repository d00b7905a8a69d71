package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.bridge.SpendLeases;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code clearinghouse.spend.*} configuration (reference: {@code docs/configuration.md},
 * {@code docs/spend-control.md}). The long expiry and the floor are the bridge's {@code clearinghouse.bridge.expiry-ttl}
 * and {@code clearinghouse.bridge.balance-floor-usd-micros}, so one knob each serves both gates.
 *
 * @param policy         what {@link SpendControl} applies
 * @param expiryInterval    how often open holds past their time are expired
 * @param groupCommitLanes  group commit lanes of reservations (0: one transaction per {@code /authorize})
 * @param groupCommitBatch  the most reservations per group commit transaction
 * @param reconcileInterval how often the customers' running open-hold totals are checked against their holds
 * @param leases            budget leases, or null when off ({@code clearinghouse.spend.lease.*})
 */
public record SpendSettings(
        SpendControl.Policy policy,
        Duration expiryInterval,
        int groupCommitLanes,
        int groupCommitBatch,
        Duration reconcileInterval,
        SpendLeases.Settings leases) {

    /** @throws IllegalArgumentException naming the key of a bad value */
    public static SpendSettings from(SettingsReader r) {
        String policy =
                r.required("clearinghouse.spend.metering-lag-policy").trim().toUpperCase(Locale.ROOT);
        if (!policy.equals("DENY") && !policy.equals("ALLOW")) {
            throw new IllegalArgumentException(
                    "clearinghouse.spend.metering-lag-policy must be deny or allow, got " + policy.toLowerCase());
        }
        BigDecimal overdraft = r.decimal("clearinghouse.spend.default-overdraft-usd-micros");
        BigDecimal minHold = r.decimal("clearinghouse.spend.min-hold-usd-micros");
        BigDecimal cover = r.decimal("clearinghouse.spend.long-expiry-cover");
        if (overdraft.signum() < 0) {
            throw new IllegalArgumentException("clearinghouse.spend.default-overdraft-usd-micros must not be negative");
        }
        if (minHold.signum() < 0) {
            throw new IllegalArgumentException("clearinghouse.spend.min-hold-usd-micros must not be negative");
        }
        if (cover.compareTo(BigDecimal.ONE) < 0) {
            throw new IllegalArgumentException("clearinghouse.spend.long-expiry-cover must be at least 1");
        }
        Duration refresh = r.duration("clearinghouse.spend.refresh");
        if (refresh.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException(
                    "clearinghouse.spend.refresh must be at most 1s (a pause must apply everywhere within a second)");
        }
        int lanes;
        try {
            lanes = Integer.parseInt(
                    r.required("clearinghouse.spend.group-commit-lanes").trim());
        } catch (NumberFormatException e) {
            lanes = -1;
        }
        if (lanes < 0 || lanes > 64) {
            throw new IllegalArgumentException(
                    "clearinghouse.spend.group-commit-lanes must be a whole number from 0 (off) to 64");
        }
        return new SpendSettings(
                new SpendControl.Policy(
                        r.bool("clearinghouse.spend.reservations"),
                        overdraft,
                        r.decimal("clearinghouse.bridge.balance-floor-usd-micros"),
                        minHold,
                        r.duration("clearinghouse.spend.short-expiry"),
                        r.duration("clearinghouse.bridge.expiry-ttl"),
                        cover,
                        r.duration("clearinghouse.spend.max-payment-interval"),
                        r.duration("clearinghouse.spend.hold-ttl"),
                        r.duration("clearinghouse.spend.metering-lag-threshold"),
                        SpendControl.LagPolicy.valueOf(policy),
                        refresh),
                r.duration("clearinghouse.spend.expiry-interval"),
                lanes,
                r.positiveInt("clearinghouse.spend.group-commit-max-batch"),
                r.duration("clearinghouse.spend.held-reconcile-interval"),
                leases(r));
    }

    private static SpendLeases.Settings leases(SettingsReader r) {
        if (!r.bool("clearinghouse.spend.lease.enabled")) {
            return null;
        }
        BigDecimal fraction = r.decimal("clearinghouse.spend.lease.max-fraction");
        if (fraction.signum() <= 0 || fraction.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException(
                    "clearinghouse.spend.lease.max-fraction must be above 0 and at most 1, got "
                            + fraction.toPlainString());
        }
        Duration flush = r.duration("clearinghouse.spend.lease.flush-interval");
        Duration ttl = r.duration("clearinghouse.spend.lease.ttl");
        if (flush.isZero() || flush.isNegative()) {
            throw new IllegalArgumentException("clearinghouse.spend.lease.flush-interval must be positive");
        }
        if (ttl.compareTo(flush.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException(
                    "clearinghouse.spend.lease.ttl must be at least twice clearinghouse.spend.lease.flush-interval");
        }
        return new SpendLeases.Settings(
                ttl,
                flush,
                r.duration("clearinghouse.spend.lease.cover"),
                fraction,
                r.duration("clearinghouse.spend.lease.idle"));
    }

    @Override
    public String toString() {
        SpendControl.Policy p = policy;
        return "SpendSettings[reservations=" + p.reservations() + ", overdraft="
                + p.defaultOverdraft().toPlainString()
                + ", short expiry=" + p.shortExpiry() + ", long expiry=" + p.longExpiry() + ", hold ttl="
                + p.holdTtl() + ", lag " + p.lagPolicy().name().toLowerCase() + " above " + p.lagThreshold()
                + ", group commit lanes=" + groupCommitLanes + " batch<=" + groupCommitBatch + ", leases="
                + (leases == null
                        ? "off"
                        : "on (flush " + leases.flushInterval() + ", ttl " + leases.ttl() + ", cover " + leases.cover()
                                + ", max fraction " + leases.maxFraction().toPlainString() + ")")
                + "]";
    }
}
