package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;

/**
 * A signed EIP-1559 transaction, ready to broadcast and to store before broadcasting: re-sending {@code raw} is
 * idempotent (same nonce, same hash), so a crash between signing and the receipt never pays twice.
 *
 * @param raw the signed transaction, {@code 0x} hex (what {@code eth_sendRawTransaction} takes)
 * @param hash its hash, {@code 0x} hex (keccak256 of the raw bytes)
 * @param chainId chain id signed into the transaction
 * @param from signer address
 * @param to recipient or contract address
 * @param nonce sender nonce
 * @param value wei sent
 * @param gasLimit gas limit
 * @param fees EIP-1559 fee fields
 */
public record SignedTransaction(
        String raw,
        String hash,
        long chainId,
        String from,
        String to,
        BigInteger nonce,
        BigInteger value,
        BigInteger gasLimit,
        Fees fees) {

    /** The most this transaction can cost in gas, in wei. */
    public BigInteger maxGasCost() {
        return fees.maxCost(gasLimit);
    }
}
