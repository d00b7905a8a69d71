package io.livepeer.clearinghouse.processors.money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * The price audit of one signed ticket: our own conversion of its wei fee (at the oracle's ETH/USD price) beside the
 * signer's {@code computed_fee_usd} (go-livepeer v0.9.3), both in USD micros. No money is ever a {@code double}.
 *
 * <ul>
 *   <li>{@link #divergenceMicros()} = signer − oracle, exact (both have at most 12 fractional digits of a micro, so
 *       the difference has too: no rounding);</li>
 *   <li>{@link #relativeDivergence()} = |signer − oracle| / oracle, rounded to {@value #RATIO_SCALE} decimal places
 *       (parts per million) {@link RoundingMode#HALF_UP}; 0 when both are 0; null when the oracle's value is 0 and the
 *       signer's is not (unbounded) or when the signer sent no USD value;</li>
 *   <li>{@link #flagged()}: |signer − oracle| &gt; tolerance × oracle, compared exactly (never on the rounded ratio),
 *       so a tolerance of 0.02 flags a divergence of more than 2 % of our own value; a signer value beside an oracle
 *       value of 0 is flagged when it is not 0 itself.</li>
 * </ul>
 *
 * @param oracleMicros       our conversion, USD micros, never null
 * @param signerMicros       the signer's value converted to USD micros, null when it sent none
 * @param divergenceMicros   signer − oracle, USD micros (negative when the signer is lower), null without a signer value
 * @param relativeDivergence |signer − oracle| / oracle, see above; may be null
 * @param flagged            whether the divergence exceeds the tolerance (false without a signer value)
 */
public record PriceAudit(
        BigDecimal oracleMicros,
        BigDecimal signerMicros,
        BigDecimal divergenceMicros,
        BigDecimal relativeDivergence,
        boolean flagged) {

    /** Decimal places of {@link #relativeDivergence()}: parts per million. */
    public static final int RATIO_SCALE = 6;

    public PriceAudit {
        Objects.requireNonNull(oracleMicros, "oracleMicros");
    }

    /**
     * @param oracleMicros our conversion, USD micros, not negative
     * @param signerMicros the signer's value in USD micros, or null when it sent none
     * @param tolerance    largest relative divergence not flagged, e.g. 0.02 for 2 %; not negative
     * @return the audit
     * @throws IllegalArgumentException when the tolerance is negative
     */
    public static PriceAudit of(BigDecimal oracleMicros, BigDecimal signerMicros, BigDecimal tolerance) {
        if (tolerance == null || tolerance.signum() < 0) {
            throw new IllegalArgumentException("price audit tolerance must not be negative: " + tolerance);
        }
        if (signerMicros == null) {
            return new PriceAudit(oracleMicros, null, null, null, false);
        }
        BigDecimal divergence = FeeConverter.normalize(signerMicros.subtract(oracleMicros));
        BigDecimal gap = divergence.abs();
        BigDecimal ratio;
        if (oracleMicros.signum() == 0) {
            ratio = gap.signum() == 0 ? BigDecimal.ZERO : null;
        } else {
            ratio = gap.divide(oracleMicros, RATIO_SCALE, RoundingMode.HALF_UP).stripTrailingZeros();
            if (ratio.scale() < 0) {
                ratio = ratio.setScale(0);
            }
        }
        boolean flagged = gap.compareTo(tolerance.multiply(oracleMicros)) > 0;
        return new PriceAudit(oracleMicros, signerMicros, divergence, ratio, flagged);
    }

    /** Whether the signer sent a USD value to compare with. */
    public boolean audited() {
        return signerMicros != null;
    }
}
