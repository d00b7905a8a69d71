package io.livepeer.clearinghouse.processors.money;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Converts ticket fees from wei to USD micros, exactly.
 *
 * <p>{@code usd_micros = fee_wei × eth_usd / 10^12} (1 ETH = 10^18 wei, 1 USD = 10^6 micros). The product of two
 * decimals is exact and a division by a power of ten is a decimal-point shift, so the only rounding is the final one
 * to {@value #MICROS_SCALE} fractional digits of a micro (10^-18 USD), {@link RoundingMode#HALF_EVEN}, the scale of
 * the ledger's {@code NUMERIC(38,12)} columns. A price with up to 6 decimals never rounds at all. Examples:
 * 10^15 wei at $3000 → 3000000; 1 wei at $3000 → 0.000000003.
 */
public final class FeeConverter {

    /** Fractional digits of USD micros kept everywhere (outbox, ledger, CloudEvent). */
    public static final int MICROS_SCALE = 12;
    /** Rounding applied when a result has more than {@link #MICROS_SCALE} fractional digits. */
    public static final RoundingMode ROUNDING = RoundingMode.HALF_EVEN;

    private FeeConverter() {}

    /**
     * @param feeWei fee in wei, not negative
     * @param ethUsd price of one ETH in USD, positive
     * @return the fee in USD micros, at most {@value #MICROS_SCALE} fractional digits, trailing zeros stripped
     * @throws IllegalArgumentException when the fee is negative or the price is not positive
     */
    public static BigDecimal weiToUsdMicros(BigInteger feeWei, BigDecimal ethUsd) {
        if (feeWei == null || feeWei.signum() < 0) {
            throw new IllegalArgumentException("fee in wei must not be negative: " + feeWei);
        }
        if (ethUsd == null || ethUsd.signum() <= 0) {
            throw new IllegalArgumentException("ETH/USD price must be positive: " + ethUsd);
        }
        return normalize(new BigDecimal(feeWei).multiply(ethUsd).movePointLeft(12));
    }

    /**
     * Converts a USD amount (e.g. the signer's {@code computed_fee_usd}) to USD micros: a decimal-point shift by 6,
     * so an amount with at most 18 decimal places converts without rounding.
     *
     * @param usd USD, not negative
     * @return USD micros, rounded like {@link #normalize}; {@code "0.003"} → 3000
     * @throws IllegalArgumentException when the amount is negative
     */
    public static BigDecimal usdToMicros(BigDecimal usd) {
        if (usd == null || usd.signum() < 0) {
            throw new IllegalArgumentException("USD amount must not be negative: " + usd);
        }
        return normalize(usd.movePointRight(6));
    }

    /**
     * Rounds a USD-micros amount to {@value #MICROS_SCALE} fractional digits ({@link #ROUNDING}) and strips trailing
     * zeros, so equal amounts have one representation.
     */
    public static BigDecimal normalize(BigDecimal micros) {
        BigDecimal rounded = micros.setScale(MICROS_SCALE, ROUNDING).stripTrailingZeros();
        return rounded.scale() < 0 ? rounded.setScale(0) : rounded;
    }
}
