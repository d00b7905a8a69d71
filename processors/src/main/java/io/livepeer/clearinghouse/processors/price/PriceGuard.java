package io.livepeer.clearinghouse.processors.price;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.Optional;

/**
 * Refuses an absurd oracle price before it bills anyone: one outside {@code [minUsd, maxUsd]}, or one that moved
 * from the last good price by more than a factor of {@code maxJumpRatio} (up or down) in one refresh. A refused
 * price is never used: the last good one stays, and the refusal is reported like a failed refresh. The ratio is
 * computed with 18 decimal places, rounded half-even; no {@code double} is involved.
 *
 * @param minUsd       lowest plausible USD per ETH (exclusive of 0)
 * @param maxUsd       highest plausible USD per ETH
 * @param maxJumpRatio largest plausible factor between two consecutive prices, above 1 (e.g. 2 = halved or doubled)
 */
public record PriceGuard(BigDecimal minUsd, BigDecimal maxUsd, BigDecimal maxJumpRatio) {

    public PriceGuard {
        Objects.requireNonNull(minUsd, "minUsd");
        Objects.requireNonNull(maxUsd, "maxUsd");
        Objects.requireNonNull(maxJumpRatio, "maxJumpRatio");
        if (minUsd.signum() <= 0 || maxUsd.compareTo(minUsd) <= 0) {
            throw new IllegalArgumentException("price bounds must satisfy 0 < min < max, got " + minUsd.toPlainString()
                    + " and " + maxUsd.toPlainString());
        }
        if (maxJumpRatio.compareTo(BigDecimal.ONE) <= 0) {
            throw new IllegalArgumentException(
                    "the price jump ratio must be above 1, got " + maxJumpRatio.toPlainString());
        }
    }

    /**
     * @param previous  the last good price, or null before the first one
     * @param candidate the new price (USD per ETH)
     * @return why the candidate is refused, or empty when it may be used
     */
    public Optional<String> refusal(BigDecimal previous, BigDecimal candidate) {
        if (candidate.compareTo(minUsd) < 0 || candidate.compareTo(maxUsd) > 0) {
            return Optional.of("price " + candidate.toPlainString() + " USD outside the plausible range ["
                    + minUsd.toPlainString() + ", " + maxUsd.toPlainString() + "]");
        }
        if (previous != null && previous.signum() > 0) {
            BigDecimal up = candidate.divide(previous, 18, RoundingMode.HALF_EVEN);
            BigDecimal down = previous.divide(candidate, 18, RoundingMode.HALF_EVEN);
            if (up.compareTo(maxJumpRatio) > 0 || down.compareTo(maxJumpRatio) > 0) {
                return Optional.of("price " + candidate.toPlainString() + " USD moved more than a factor of "
                        + maxJumpRatio.toPlainString() + " from the last good " + previous.toPlainString());
            }
        }
        return Optional.empty();
    }
}
