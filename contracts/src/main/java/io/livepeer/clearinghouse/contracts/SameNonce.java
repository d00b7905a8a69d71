package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The chain-side steps shared by every sender of stored, signed transactions (ETH-transfer payouts, ticket
 * redemptions, escrow fundings): each has one nonce and one or more <em>attempts</em> (the original and its
 * fee-bumped replacements, all with that nonce, so at most one can ever be mined), stored before broadcast by the
 * caller's own store. This class answers where the attempts stand ({@link #standing}) and signs a replacement under a
 * fee cap ({@link #replacement}); storing, broadcasting and the ledger stay with the caller. Fees in wei per gas.
 */
public final class SameNonce {

    private SameNonce() {}

    /** Where the attempts of one nonce stand. */
    public sealed interface Standing permits NoneMined, Unsettled, Settled {}

    /** No attempt has a receipt: re-broadcast the current one, or replace it when stuck. */
    public record NoneMined() implements Standing {}

    /**
     * An attempt is mined but does not count yet: fewer than the required confirmations, or its block is no longer the
     * canonical one at that height (a reorg: wait, it goes back to the pool or is re-broadcast).
     *
     * @param txHash the mined attempt
     * @param block its block number
     * @param reorged whether its block was replaced (else it is only not deep enough)
     */
    public record Unsettled(String txHash, long block, boolean reorged) implements Standing {}

    /**
     * An attempt is mined in a canonical block with the required confirmations; whether it succeeded is
     * {@code receipt.isStatusOK()}.
     *
     * @param txHash the mined attempt (whichever of them it is)
     * @param receipt its receipt
     * @param block its block number
     */
    public record Settled(String txHash, TransactionReceipt receipt, long block) implements Standing {
        /** Status 1. */
        public boolean succeeded() {
            return receipt.isStatusOK();
        }

        /** The block's hash. */
        public String blockHash() {
            return receipt.getBlockHash();
        }
    }

    /**
     * Reads the receipts of {@code txHashes} (the attempts of one nonce, any order): the first mined one decides.
     *
     * @param confirmations blocks (the receipt's included) before a mined attempt counts (≥ 1)
     * @throws ChainException when the node cannot be read
     */
    public static Standing standing(Chain chain, List<String> txHashes, int confirmations) {
        for (String txHash : txHashes) {
            Optional<TransactionReceipt> receipt = chain.receipt(txHash);
            if (receipt.isEmpty()) {
                continue;
            }
            TransactionReceipt mined = receipt.get();
            long block = mined.getBlockNumber().longValueExact();
            Optional<String> canonical = chain.blockHash(block);
            if (canonical.isEmpty() || !canonical.get().equalsIgnoreCase(mined.getBlockHash())) {
                return new Unsettled(txHash, block, true);
            }
            if (chain.blockNumber() - block + 1 < confirmations) {
                return new Unsettled(txHash, block, false);
            }
            return new Settled(txHash, mined, block);
        }
        return new NoneMined();
    }

    /**
     * A replacement for a stuck attempt.
     *
     * @param stuck the stuck attempt's fees
     * @param wanted the replacement's fees: {@code stuck} bumped by the percentage, or the market's where higher
     * @param transaction the signed replacement (same nonce, recipient, value, calldata and gas limit), or empty when
     *     {@code wanted} is above the cap (nothing signed)
     */
    public record Replacement(Fees stuck, Fees wanted, Optional<SignedTransaction> transaction) {}

    /**
     * Signs a replacement of the stored signed transaction {@code stuckRaw} with fees {@link Fees#replacing} the
     * stuck ones by {@code bumpPercent} (≥ 10) against the node's current suggestion, unless its fee cap would exceed
     * {@code maxFeePerGas}. Nothing is stored or sent.
     *
     * @throws ChainException when the node cannot be read
     * @throws IllegalArgumentException when {@code stuckRaw} is not {@code key}'s signed EIP-1559 transaction on
     *     this chain
     */
    public static Replacement replacement(
            Chain chain, PayoutKey key, String stuckRaw, int bumpPercent, BigInteger maxFeePerGas) {
        Objects.requireNonNull(maxFeePerGas, "maxFeePerGas");
        Fees stuck = Chain.decode(stuckRaw).fees();
        Fees wanted = stuck.replacing(bumpPercent, chain.suggestFees());
        if (wanted.maxFeePerGas().compareTo(maxFeePerGas) > 0) {
            return new Replacement(stuck, wanted, Optional.empty());
        }
        return new Replacement(stuck, wanted, Optional.of(chain.resign(key, stuckRaw, wanted)));
    }
}
