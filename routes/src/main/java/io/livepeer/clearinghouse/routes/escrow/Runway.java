package io.livepeer.clearinghouse.routes.escrow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Optional;

/**
 * A signer's runway (docs/escrow.md "The runway"): how long its TicketBroker funds cover what it spends.
 *
 * <pre>
 *   coverage (wei)        = deposit + reserve.fundsRemaining            (getSenderInfo; TicketBroker.sol pays a
 *                                                                        winning ticket from the deposit, then the
 *                                                                        reserve)
 *   burn (wei per hour)   = Σ metered fee_wei in the window × 3600 s / window   (rounded up)
 *   runway (hours)        = coverage × window / (Σ fee_wei × 3600 s)             (exact, rounded down to 0.01 h)
 * </pre>
 * {@code fee_wei} is the expected value of the tickets the signer signed (faceValue × winProb), so on average winning
 * tickets draw the deposit down at the burn rate. No spend in the window: the burn is 0 and the runway infinite
 * (empty). Money is BigInteger wei throughout; only the runway in hours is a decimal.
 *
 * @param coverageWei deposit + remaining reserve
 * @param burnWeiPerHour the burn, rounded up to a whole wei per hour
 * @param hours the runway; empty = infinite (no burn)
 */
public record Runway(BigInteger coverageWei, BigInteger burnWeiPerHour, Optional<BigDecimal> hours) {

    private static final BigInteger MILLIS_PER_HOUR = BigInteger.valueOf(3_600_000L);

    /**
     * @param depositWei TicketBroker deposit
     * @param reserveWei TicketBroker reserve funds remaining
     * @param spentWei metered {@code fee_wei} summed over {@code window}
     * @param window the burn window (positive)
     */
    public static Runway of(BigInteger depositWei, BigInteger reserveWei, BigInteger spentWei, Duration window) {
        if (window.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("the burn window must be positive, got " + window);
        }
        if (depositWei.signum() < 0 || reserveWei.signum() < 0 || spentWei.signum() < 0) {
            throw new IllegalArgumentException("amounts must not be negative");
        }
        BigInteger coverage = depositWei.add(reserveWei);
        BigInteger windowMillis = BigInteger.valueOf(window.toMillis());
        if (spentWei.signum() == 0) {
            return new Runway(coverage, BigInteger.ZERO, Optional.empty());
        }
        BigInteger[] burn = spentWei.multiply(MILLIS_PER_HOUR).divideAndRemainder(windowMillis);
        BigInteger burnPerHour = burn[1].signum() == 0 ? burn[0] : burn[0].add(BigInteger.ONE);
        BigDecimal hours = new BigDecimal(coverage.multiply(windowMillis))
                .divide(new BigDecimal(spentWei.multiply(MILLIS_PER_HOUR)), 2, RoundingMode.DOWN);
        return new Runway(coverage, burnPerHour, Optional.of(hours));
    }

    /** Whether the runway is below {@code thresholdHours} (an infinite runway never is). */
    public boolean below(int thresholdHours) {
        return hours.map(h -> h.compareTo(BigDecimal.valueOf(thresholdHours)) < 0)
                .orElse(false);
    }

    /**
     * The coverage that lasts {@code hours} at the same burn: {@code Σ fee_wei × hours × 3600 s / window}, rounded up
     * (0 without burn).
     */
    public static BigInteger coverageFor(BigInteger spentWei, Duration window, int hours) {
        BigInteger n = spentWei.multiply(BigInteger.valueOf(hours)).multiply(MILLIS_PER_HOUR);
        BigInteger[] qr = n.divideAndRemainder(BigInteger.valueOf(window.toMillis()));
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }

    /** The level of a runway against the warning and critical thresholds (hours). */
    public Level level(int warnHours, int criticalHours) {
        return below(criticalHours) ? Level.CRITICAL : below(warnHours) ? Level.WARNING : Level.OK;
    }

    /** How a runway compares to the thresholds. */
    public enum Level {
        OK,
        WARNING,
        CRITICAL
    }
}
