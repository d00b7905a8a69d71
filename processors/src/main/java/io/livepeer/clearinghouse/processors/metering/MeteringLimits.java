package io.livepeer.clearinghouse.processors.metering;

import java.math.BigInteger;
import java.time.Duration;

/**
 * Sanity bounds beyond which an event is treated as bad input (dead-lettered) rather than billed.
 *
 * @param maxFeeWei     largest fee in wei accepted for one signing call
 * @param maxFutureSkew how far the usage time may lie ahead of the receive time
 * @param maxPastAge    how far the usage time may lie behind the receive time: OpenMeter and Kong Konnect ignore or
 *                      refuse events older than their backdating window (about 30 days), so older usage would be
 *                      debited locally but never billed
 */
public record MeteringLimits(BigInteger maxFeeWei, Duration maxFutureSkew, Duration maxPastAge) {

    /** The default backdating window: 30 days. */
    public static final Duration DEFAULT_MAX_PAST_AGE = Duration.ofDays(30);

    /**
     * @throws IllegalArgumentException when a bound is missing, negative or zero
     */
    public MeteringLimits {
        if (maxFeeWei == null || maxFeeWei.signum() <= 0) {
            throw new IllegalArgumentException("maxFeeWei must be positive");
        }
        if (maxFutureSkew == null || maxFutureSkew.isNegative()) {
            throw new IllegalArgumentException("maxFutureSkew must not be negative");
        }
        if (maxPastAge == null || maxPastAge.isNegative() || maxPastAge.isZero()) {
            throw new IllegalArgumentException("maxPastAge must be positive");
        }
    }

    /**
     * 1000 ETH per call, one hour of clock skew and 30 days of age: far above any real ticket, far below garbage, and
     * within the backdating window of OpenMeter and Konnect.
     */
    public static MeteringLimits defaults() {
        return new MeteringLimits(new BigInteger("1000000000000000000000"), Duration.ofHours(1), DEFAULT_MAX_PAST_AGE);
    }
}
