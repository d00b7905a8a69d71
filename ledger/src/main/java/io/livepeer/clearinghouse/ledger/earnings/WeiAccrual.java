package io.livepeer.clearinghouse.ledger.earnings;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Exact time credit in whole wei. A rate is ETH per minute with at most 18 decimals, i.e. whole wei per minute. The
 * accrued numerator {@code N = sum(duration_ms * rate_wei_per_minute)} is a whole number and the wei owed so far are
 * {@code floor(N / 60000)}; each credit is the growth of that floor. So every credit is whole wei, the fraction is
 * carried to the next segment of the same session (or power meter), and the sum of the credits is exactly
 * {@code floor(sum(duration_ms * rate) / 60000)}: under 1 wei below the backend's exact Decimal sum
 * ({@code duration_ms * rate / 60000}, {@code payments/sessions.py}).
 */
public final class WeiAccrual {

    /** 10^18 wei per ETH. */
    public static final BigDecimal WEI_PER_ETH = BigDecimal.TEN.pow(18);

    private static final BigInteger MS_PER_MINUTE = BigInteger.valueOf(60_000);

    private WeiAccrual() {}

    /**
     * @param ethPerMinute a rate in ETH per minute, {@code >= 0}, at most 18 decimals
     * @return wei per minute
     * @throws IllegalArgumentException when negative or finer than 1 wei per minute
     */
    public static BigInteger weiPerMinute(BigDecimal ethPerMinute) {
        if (ethPerMinute.signum() < 0) {
            throw new IllegalArgumentException("a credit rate must not be negative: " + ethPerMinute.toPlainString());
        }
        try {
            return ethPerMinute.multiply(WEI_PER_ETH).toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "a credit rate has at most 18 decimals (whole wei per minute): " + ethPerMinute.toPlainString());
        }
    }

    /**
     * One accrual step.
     *
     * @param numerator the new accrued numerator
     * @param creditWei the whole wei to credit now
     */
    public record Step(BigInteger numerator, BigInteger creditWei) {}

    /**
     * @param numerator   the accrued numerator before
     * @param durationMs  the metered time
     * @param weiPerMinute the rate
     */
    public static Step accrue(BigInteger numerator, long durationMs, BigInteger weiPerMinute) {
        BigInteger after = numerator.add(BigInteger.valueOf(durationMs).multiply(weiPerMinute));
        BigInteger credit = after.divide(MS_PER_MINUTE).subtract(numerator.divide(MS_PER_MINUTE));
        return new Step(after, credit);
    }

    /** Wei as an ETH decimal string without trailing zeros ({@code "0"} for zero), as the API shows balances. */
    public static String eth(BigInteger wei) {
        if (wei.signum() == 0) {
            return "0";
        }
        return new BigDecimal(wei).divide(WEI_PER_ETH).stripTrailingZeros().toPlainString();
    }

    /** Whole wei of a one-off credit {@code duration_ms * rate / 60000}, rounded down (the fraction is dropped). */
    public static BigInteger oneOff(long durationMs, BigInteger weiPerMinute) {
        return BigInteger.valueOf(durationMs).multiply(weiPerMinute).divide(MS_PER_MINUTE);
    }
}
