package io.livepeer.clearinghouse.ledger.credit;

import java.math.BigDecimal;

/** What an account counts. */
public enum Unit {
    /** US dollars × 10^6, fractional (up to 12 digits after the point): prepaid customer credit and usage. */
    USD_MICROS(12, new BigDecimal("1E26")),
    /** 10^-18 ETH, whole numbers: orchestrator earnings and on-chain settlement. */
    WEI(0, new BigDecimal("1E78"));

    private final int scale;
    private final BigDecimal limit;

    Unit(int scale, BigDecimal limit) {
        this.scale = scale;
        this.limit = limit;
    }

    /** Most digits after the decimal point. */
    public int scale() {
        return scale;
    }

    /**
     * Checks an amount of this unit.
     *
     * @throws LedgerException.Invalid naming {@code field} when it is negative, too precise or too large
     */
    public BigDecimal check(BigDecimal amount, String field) {
        if (amount == null) {
            throw new LedgerException.Invalid(field, field + " is required");
        }
        if (amount.signum() < 0) {
            throw new LedgerException.Invalid(field, field + " must not be negative");
        }
        if (amount.stripTrailingZeros().scale() > scale) {
            throw new LedgerException.Invalid(
                    field,
                    field + " has more than " + scale + " digits after the point"
                            + (this == WEI ? " (wei are whole numbers)" : ""));
        }
        if (amount.compareTo(limit) >= 0) {
            throw new LedgerException.Invalid(field, field + " is too large");
        }
        return amount;
    }
}
