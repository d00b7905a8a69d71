package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;

/** uint256 range checks. */
final class Uint {

    static final BigInteger MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    private Uint() {}

    static BigInteger check(String field, BigInteger value) {
        if (value == null || value.signum() < 0 || value.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(field + " must be a uint256 (0 .. 2^256-1), got " + value);
        }
        return value;
    }
}
