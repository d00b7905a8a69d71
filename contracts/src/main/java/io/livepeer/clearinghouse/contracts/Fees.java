package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;

/**
 * EIP-1559 fee fields, in wei per gas.
 *
 * @param maxPriorityFeePerGas the tip
 * @param maxFeePerGas the most paid per gas (base fee + tip never exceeds it)
 */
public record Fees(BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas) {

    /** Both non-negative, and the tip not above the cap (the node refuses such a transaction). */
    public Fees {
        Uint.check("maxPriorityFeePerGas", maxPriorityFeePerGas);
        Uint.check("maxFeePerGas", maxFeePerGas);
        if (maxPriorityFeePerGas.compareTo(maxFeePerGas) > 0) {
            throw new IllegalArgumentException(
                    "maxPriorityFeePerGas " + maxPriorityFeePerGas + " exceeds maxFeePerGas " + maxFeePerGas);
        }
    }

    /**
     * The usual suggestion for a base fee and tip: {@code maxFeePerGas = 2 × baseFee + tip}, which stays valid while
     * the base fee doubles.
     */
    public static Fees suggest(BigInteger baseFeePerGas, BigInteger tip) {
        return new Fees(tip, baseFeePerGas.shiftLeft(1).add(tip));
    }

    /**
     * The fees of a replacement for a stuck transaction: both fields raised by {@code percent} (rounded up), the
     * node's minimum being 10 %.
     */
    public Fees bump(int percent) {
        if (percent < 10) {
            throw new IllegalArgumentException("a replacement needs a fee bump of at least 10 %, got " + percent);
        }
        return new Fees(raise(maxPriorityFeePerGas, percent), raise(maxFeePerGas, percent));
    }

    private static BigInteger raise(BigInteger value, int percent) {
        BigInteger[] qr =
                value.multiply(BigInteger.valueOf(100L + percent)).divideAndRemainder(BigInteger.valueOf(100));
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }

    /**
     * These fees under an operator's cap (wei per gas): unchanged when {@code maxFeePerGas ≤ cap}, else the fee cap
     * becomes {@code cap} and the tip at most {@code cap}.
     */
    public Fees cappedAt(BigInteger cap) {
        if (maxFeePerGas.compareTo(cap) <= 0) {
            return this;
        }
        return new Fees(maxPriorityFeePerGas.min(cap), cap);
    }

    /**
     * The fees of a replacement: the stuck attempt's fees bumped by {@code percent} ({@link #bump}), raised to the
     * market's where the market asks more.
     */
    public Fees replacing(int percent, Fees market) {
        Fees bumped = bump(percent);
        return new Fees(
                bumped.maxPriorityFeePerGas.max(market.maxPriorityFeePerGas),
                bumped.maxFeePerGas.max(market.maxFeePerGas));
    }

    /** The most this transaction can cost in wei: {@code gasLimit × maxFeePerGas}. */
    public BigInteger maxCost(BigInteger gasLimit) {
        return gasLimit.multiply(maxFeePerGas);
    }
}
