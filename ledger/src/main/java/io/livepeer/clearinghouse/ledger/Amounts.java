package io.livepeer.clearinghouse.ledger;

import java.math.BigDecimal;

/** Normalisation of amounts read back from NUMERIC columns. */
public final class Amounts {

    private Amounts() {}

    /** USD micros without trailing zeros ({@code 3000000.000000000000 → 3000000}), never in exponent form. */
    public static BigDecimal micros(BigDecimal value) {
        if (value == null) {
            return BigDecimal.ZERO;
        }
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
