package io.livepeer.clearinghouse.processors.metering;

import java.math.BigInteger;
import java.time.Duration;

/**
 * Sanity bounds beyond which an event is treated as bad input (dead-lettered) rather than billed.
 *
 * @param maxFeeWei       largest fee in wei accepted for one signing call
 * @param maxFutureSkew   how far the usage time may lie ahead of the receive time
 */
public record MeteringLimits(BigInteger maxFeeWei, Duration maxFutureSkew) {

    /** 1000 ETH per call and one hour of clock skew: far above any real ticket, far below garbage. */
    public static MeteringLimits defaults() {
        return new MeteringLimits(new BigInteger("1000000000000000000000"), Duration.ofHours(1));
    }
}
