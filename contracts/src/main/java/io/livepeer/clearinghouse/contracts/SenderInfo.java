package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;

/**
 * A sender's TicketBroker funds: {@code getSenderInfo(address)} returns {@code (Sender{deposit, withdrawRound},
 * ReserveInfo{fundsRemaining, claimedInCurrentRound})}. Amounts in wei.
 *
 * @param deposit wei that pays winning tickets first
 * @param withdrawRound round from which the sender may withdraw (0: no unlock in progress)
 * @param reserveFundsRemaining wei left in the reserve (claimed by active transcoders once the deposit is gone)
 * @param reserveClaimedInCurrentRound wei claimed from the reserve in the current round
 */
public record SenderInfo(
        BigInteger deposit,
        BigInteger withdrawRound,
        BigInteger reserveFundsRemaining,
        BigInteger reserveClaimedInCurrentRound) {

    /** deposit + remaining reserve: the most winning tickets can draw, in wei. */
    public BigInteger coverage() {
        return deposit.add(reserveFundsRemaining);
    }
}
