package io.livepeer.clearinghouse.routes.escrow;

import java.math.BigInteger;

/**
 * How much a top-up adds (docs/escrow.md "Auto top-up"), in wei:
 *
 * <pre>
 *   reserve  = max(0, reserveTarget − reserve)
 *   deposit  = max(0, coverageFor(targetHours) − (deposit + reserve) − reserve-to-add)
 *   then both are clipped to what is left of today's cap, the deposit first (it pays tickets first)
 * </pre>
 *
 * @param depositWei to add to the deposit
 * @param reserveWei to add to the reserve
 * @param capped whether the cap cut the amounts
 */
public record TopUpAmounts(BigInteger depositWei, BigInteger reserveWei, boolean capped) {

    /**
     * @param depositWei current deposit
     * @param reserveWei current reserve funds remaining
     * @param targetCoverageWei deposit + reserve wanted ({@link Runway#coverageFor})
     * @param reserveTargetWei reserve wanted (0: leave the reserve alone)
     * @param capLeftWei what today's cap still allows (cap − counted fundings), may be ≤ 0
     */
    public static TopUpAmounts of(
            BigInteger depositWei,
            BigInteger reserveWei,
            BigInteger targetCoverageWei,
            BigInteger reserveTargetWei,
            BigInteger capLeftWei) {
        BigInteger reserve = reserveTargetWei.subtract(reserveWei).max(BigInteger.ZERO);
        BigInteger deposit = targetCoverageWei
                .subtract(depositWei.add(reserveWei).add(reserve))
                .max(BigInteger.ZERO);
        BigInteger left = capLeftWei.max(BigInteger.ZERO);
        BigInteger cappedDeposit = deposit.min(left);
        BigInteger cappedReserve = reserve.min(left.subtract(cappedDeposit));
        return new TopUpAmounts(
                cappedDeposit, cappedReserve, !cappedDeposit.equals(deposit) || !cappedReserve.equals(reserve));
    }

    /** deposit + reserve. */
    public BigInteger totalWei() {
        return depositWei.add(reserveWei);
    }
}
