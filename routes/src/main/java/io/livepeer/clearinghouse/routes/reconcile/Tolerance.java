package io.livepeer.clearinghouse.routes.reconcile;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How far OpenMeter's amounts may differ from ours and still count as in sync: the larger of an absolute amount in
 * USD micros and a fraction of our amount. Event counts get no tolerance (OpenMeter counts whole events exactly).
 * Why any tolerance at all: OpenMeter v1 aggregates in float64, so a sum of fractional micros (12 decimals here) comes
 * back rounded to ~16 significant digits.
 *
 * @param absoluteMicros allowed absolute difference, USD micros, ≥ 0
 * @param relative       allowed difference as a fraction of our amount ({@code 0.001} = 0.1 %), ≥ 0
 */
public record Tolerance(BigDecimal absoluteMicros, BigDecimal relative) {

    public Tolerance {
        if (absoluteMicros == null || absoluteMicros.signum() < 0 || relative == null || relative.signum() < 0) {
            throw new IllegalArgumentException("tolerances must be numbers of at least 0");
        }
    }

    /**
     * Reads {@code --tolerance} values: a number is an absolute amount in USD micros ({@code 5}), a number with
     * {@code %} a share of our amount ({@code 0.01%}); given both, the larger allowance applies. No value: 0.
     *
     * @throws IllegalArgumentException for anything else, or a negative value
     */
    public static Tolerance parse(Iterable<String> values) {
        BigDecimal absolute = BigDecimal.ZERO;
        BigDecimal relative = BigDecimal.ZERO;
        for (String raw : values) {
            String text = raw.trim();
            try {
                if (text.endsWith("%")) {
                    relative = new BigDecimal(
                                    text.substring(0, text.length() - 1).trim())
                            .divide(BigDecimal.valueOf(100), MathContext.DECIMAL128);
                } else {
                    absolute = new BigDecimal(text);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "tolerance must be micros (5) or a percentage (0.01%), got '" + raw + "'");
            }
        }
        return new Tolerance(absolute, relative);
    }

    /** The allowed absolute difference around an amount of ours. */
    public BigDecimal allowed(BigDecimal ours) {
        return absoluteMicros.max(ours.abs().multiply(relative));
    }

    @Override
    public String toString() {
        return absoluteMicros.stripTrailingZeros().toPlainString() + " micros"
                + (relative.signum() == 0
                        ? ""
                        : " or "
                                + relative.movePointRight(2)
                                        .stripTrailingZeros()
                                        .toPlainString() + " %");
    }
}
