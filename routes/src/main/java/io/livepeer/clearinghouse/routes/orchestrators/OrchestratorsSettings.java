package io.livepeer.clearinghouse.routes.orchestrators;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The orchestrators flow ({@code clearinghouse.orchestrators.*}; docs/orchestrators.md). Defaults are the
 * livepeer-ops backend's ({@code payments/config.py}): miss threshold 3, cooldown 3600 s, health timeout 5 s,
 * forwarder snapshot TTL 120 s, minimum service uptime 80 %.
 *
 * @param healthEnabled        run the health polling job
 * @param pollInterval         between health cycles ({@code PAYMENT_INTERVAL_SECONDS})
 * @param defaultTimeout       poll timeout when an orchestrator sets none ({@code PAYMENTS_DEFAULT_HEALTH_TIMEOUT})
 * @param missThreshold        consecutive misses that start a cooldown ({@code PAYMENTS_MISS_THRESHOLD})
 * @param cooldown             cooldown length ({@code PAYMENTS_COOLDOWN_SECONDS})
 * @param forwarderTtl         a forwarder snapshot replaces polling while younger than this
 *                             ({@code PAYMENTS_FORWARDER_HEALTH_TTL_SECONDS})
 * @param concurrency          polls in flight at once
 * @param historyRetention     health samples older than this are removed
 * @param historyMaxSamples    health samples kept per orchestrator at most
 * @param defaultMinUptime     percent, shown when an orchestrator sets none ({@code PAYMENTS_DEFAULT_MIN_SERVICE_UPTIME})
 * @param maxSnapshotBytes     largest forwarder snapshot {@code data} accepted (larger: 413)
 */
public record OrchestratorsSettings(
        boolean healthEnabled,
        Duration pollInterval,
        Duration defaultTimeout,
        int missThreshold,
        Duration cooldown,
        Duration forwarderTtl,
        int concurrency,
        Duration historyRetention,
        int historyMaxSamples,
        BigDecimal defaultMinUptime,
        int maxSnapshotBytes) {

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static OrchestratorsSettings from(SettingsReader r) {
        BigDecimal minUptime = r.decimal("clearinghouse.orchestrators.default-min-service-uptime");
        if (minUptime.signum() < 0 || minUptime.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new IllegalArgumentException(
                    "clearinghouse.orchestrators.default-min-service-uptime must be 0-100, got " + minUptime);
        }
        Duration timeout = positive(r, "clearinghouse.orchestrators.health.default-timeout");
        if (timeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException(
                    "clearinghouse.orchestrators.health.default-timeout must be at most 60s, got " + timeout);
        }
        return new OrchestratorsSettings(
                r.bool("clearinghouse.orchestrators.health.enabled"),
                positive(r, "clearinghouse.orchestrators.health.poll-interval"),
                timeout,
                r.positiveInt("clearinghouse.orchestrators.health.miss-threshold"),
                positive(r, "clearinghouse.orchestrators.health.cooldown"),
                positive(r, "clearinghouse.orchestrators.health.forwarder-ttl"),
                r.positiveInt("clearinghouse.orchestrators.health.concurrency"),
                positive(r, "clearinghouse.orchestrators.health.history-retention"),
                r.positiveInt("clearinghouse.orchestrators.health.history-max-samples"),
                minUptime,
                r.positiveInt("clearinghouse.orchestrators.max-snapshot-bytes"));
    }

    private static Duration positive(SettingsReader r, String key) {
        Duration d = r.duration(key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }
}
