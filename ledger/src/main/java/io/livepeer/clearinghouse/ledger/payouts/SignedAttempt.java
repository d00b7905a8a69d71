package io.livepeer.clearinghouse.ledger.payouts;

import java.math.BigInteger;

/**
 * One signed transaction of a payout intent, stored before it is broadcast.
 *
 * @param txHash transaction hash, {@code 0x} hex
 * @param rawTx signed raw transaction, {@code 0x} hex (what {@code eth_sendRawTransaction} takes)
 * @param nonce sender nonce it was signed with
 * @param gasLimit gas limit
 * @param maxFeePerGas EIP-1559 fee cap, wei per gas
 * @param maxPriorityFeePerGas EIP-1559 tip, wei per gas
 */
public record SignedAttempt(
        String txHash,
        String rawTx,
        BigInteger nonce,
        BigInteger gasLimit,
        BigInteger maxFeePerGas,
        BigInteger maxPriorityFeePerGas) {}
