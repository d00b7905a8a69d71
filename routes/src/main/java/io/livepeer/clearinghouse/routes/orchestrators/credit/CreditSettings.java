package io.livepeer.clearinghouse.routes.orchestrators.credit;

import io.livepeer.clearinghouse.ledger.earnings.LeaseBounds;
import io.livepeer.clearinghouse.ledger.earnings.WeiAccrual;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;

/**
 * Orchestrator crediting and autosleep ({@code clearinghouse.orchestrators.credit.*}, env names as the livepeer-ops
 * backend's {@code PAYMENTS_*} so a migrating operator keeps its values). Rates are ETH per minute with at most 18
 * decimals (whole wei per minute); {@link #toString()} never shows the reporter token.
 *
 * @param reporterToken        {@code PAYMENTS_SESSION_REPORTER_TOKEN}: the session reporters' token (secret); when
 *                             unset, session events need the admin token
 * @param sessionRate          {@code PAYMENTS_SESSION_CREDIT_ETH_PER_MINUTE} (0 = sessions credit nothing)
 * @param segment              {@code PAYMENTS_SESSION_SEGMENT_SECONDS} (2400 s)
 * @param sessionIdle          {@code PAYMENTS_SESSION_IDLE_TIMEOUT_SECONDS} (120 s): an active session was seen within
 * @param powerCache           how long a {@code /power} answer gates session credit (5 s)
 * @param powerPort            the port of the orchestrator's {@code /power} API (9090)
 * @param powerTimeout         timeout of the gating {@code GET /power} (1 s)
 * @param workloadRate         {@code PAYMENTS_WORKLOAD_TIME_CREDIT_ETH_PER_MINUTE} (0.000005353596)
 * @param leases               {@code PAYMENTS_ACTIVITY_LEASE_SECONDS} (900) and {@code _MAX_SECONDS} (3600)
 * @param powerMeter           {@code PAYMENTS_POWER_METER_ENABLED} (false)
 * @param powerRate            {@code PAYMENTS_POWER_CREDIT_ETH_PER_MINUTE} (0)
 * @param powerPoll            {@code PAYMENTS_POWER_POLL_SECONDS} (60 s, at least 5 s)
 * @param powerMaxGap          {@code PAYMENTS_POWER_MAX_GAP_SECONDS} (180 s)
 * @param autosleep            {@code PAYMENTS_AUTOSLEEP_ENABLED} (false)
 * @param autosleepIdle        {@code PAYMENTS_AUTOSLEEP_IDLE_SECONDS} (600 s)
 * @param autosleepPoll        {@code PAYMENTS_AUTOSLEEP_POLL_SECONDS} (60 s, at least 5 s)
 * @param autosleepDryRun      record and log decisions without posting sleep
 * @param autosleepTimeout     timeout of autosleep's {@code /power} calls (5 s)
 * @param decisionsKept        how long autosleep decisions are kept (7 days)
 */
public record CreditSettings(
        Optional<String> reporterToken,
        BigDecimal sessionRate,
        Duration segment,
        Duration sessionIdle,
        Duration powerCache,
        int powerPort,
        Duration powerTimeout,
        BigDecimal workloadRate,
        LeaseBounds leases,
        boolean powerMeter,
        BigDecimal powerRate,
        Duration powerPoll,
        Duration powerMaxGap,
        boolean autosleep,
        Duration autosleepIdle,
        Duration autosleepPoll,
        boolean autosleepDryRun,
        Duration autosleepTimeout,
        Duration decisionsKept) {

    private static final String P = "clearinghouse.orchestrators.credit.";
    private static final Duration FLOOR = Duration.ofSeconds(5);

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static CreditSettings from(SettingsReader r) {
        int port = r.positiveInt(P + "power-port");
        if (port > 65535) {
            throw new IllegalArgumentException(P + "power-port must be a TCP port (1-65535), got " + port);
        }
        return new CreditSettings(
                r.optional(P + "session-reporter-token"),
                rate(r, P + "session-eth-per-minute"),
                seconds(r, P + "session-segment-seconds"),
                seconds(r, P + "session-idle-timeout-seconds"),
                positive(r, P + "power-cache"),
                port,
                positive(r, P + "power-timeout"),
                rate(r, P + "workload-time-eth-per-minute"),
                new LeaseBounds(r.positiveInt(P + "lease-seconds"), r.positiveInt(P + "lease-max-seconds")),
                r.bool(P + "power-meter-enabled"),
                rate(r, P + "power-meter-eth-per-minute"),
                atLeastFloor(seconds(r, P + "power-meter-poll-seconds")),
                seconds(r, P + "power-meter-max-gap-seconds"),
                r.bool(P + "autosleep-enabled"),
                seconds(r, P + "autosleep-idle-seconds"),
                atLeastFloor(seconds(r, P + "autosleep-poll-seconds")),
                r.bool(P + "autosleep-dry-run"),
                positive(r, P + "autosleep-timeout"),
                positive(r, P + "autosleep-decisions-kept"));
    }

    /** The session rate in wei per minute. */
    public BigInteger sessionWeiPerMinute() {
        return WeiAccrual.weiPerMinute(sessionRate);
    }

    /** The power meter rate in wei per minute. */
    public BigInteger powerWeiPerMinute() {
        return WeiAccrual.weiPerMinute(powerRate);
    }

    private static Duration atLeastFloor(Duration d) {
        return d.compareTo(FLOOR) < 0 ? FLOOR : d;
    }

    private static BigDecimal rate(SettingsReader r, String key) {
        BigDecimal v = r.decimal(key);
        try {
            WeiAccrual.weiPerMinute(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
        return v;
    }

    private static Duration seconds(SettingsReader r, String key) {
        return Duration.ofSeconds(r.positiveInt(key));
    }

    private static Duration positive(SettingsReader r, String key) {
        Duration d = r.duration(key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "CreditSettings[sessions " + sessionRate.toPlainString() + " ETH/min in " + segment + " segments"
                + (reporterToken.isPresent() ? " (reporter token set)" : " (admin token reports)")
                + ", workloads " + workloadRate.toPlainString() + " ETH/min, leases " + leases.defaultSeconds() + "/"
                + leases.maxSeconds() + " s, power meter "
                + (powerMeter ? powerRate.toPlainString() + " ETH/min every " + powerPoll : "off")
                + ", autosleep "
                + (autosleep ? "after " + autosleepIdle + (autosleepDryRun ? " (dry run)" : "") : "off")
                + ", /power on port " + powerPort + "]";
    }
}
