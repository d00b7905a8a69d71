package io.livepeer.clearinghouse.ledger.escrow;

import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One TicketBroker funding transaction (table {@code escrow_fundings}, V19), stored with its signed raw transaction
 * before broadcast. Amounts in wei.
 *
 * @param fundingId unique id ({@code fund-<uuid>})
 * @param purpose signer top-up or payout-key deposit autofund
 * @param beneficiary whose deposit it funds (lower-case address)
 * @param depositWei added to the deposit
 * @param reserveWei added to the reserve (0 for autofund)
 * @param valueWei the transaction's value: deposit + reserve
 * @param fundingDay the UTC day whose cap it counts against
 * @param chainId chain id signed into it
 * @param fromAddress the sending key (treasury or payout key)
 * @param nonce its nonce (from the shared nonce manager)
 * @param rawTx the signed transaction, {@code 0x} hex
 * @param txHash its hash
 * @param state where it is
 * @param blockNumber block of the receipt once mined (null before)
 * @param blockHash hash of that block
 * @param lastError the last broadcast error or the failure reason
 * @param replacements fee-bumped replacements signed (same nonce, V24); {@code rawTx}/{@code txHash} are the current
 *     attempt's, and the mined one's once confirmed or failed
 */
public record Funding(
        String fundingId,
        FundingPurpose purpose,
        String beneficiary,
        BigInteger depositWei,
        BigInteger reserveWei,
        BigInteger valueWei,
        LocalDate fundingDay,
        long chainId,
        String fromAddress,
        BigInteger nonce,
        String rawTx,
        String txHash,
        FundingState state,
        Long blockNumber,
        String blockHash,
        String lastError,
        Instant createdAt,
        Instant updatedAt,
        Instant broadcastAt,
        Instant confirmedAt,
        int replacements) {

    /** Whether it is still SIGNED or BROADCAST (not yet confirmed or failed). */
    public boolean open() {
        return state == FundingState.SIGNED || state == FundingState.BROADCAST;
    }
}
