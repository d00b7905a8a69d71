package io.livepeer.clearinghouse.ledger.payouts;

import java.math.BigInteger;
import java.time.Instant;

/**
 * A durable payout: pay {@code amountWei} of orchestrator {@code orchestratorId}'s balance to {@code recipient}.
 * Fields after {@code planHash} are null until the intent is signed / broadcast / confirmed.
 *
 * @param intentId unique id; also the id of the ledger debit posted on confirmation
 * @param orchestratorId the orchestrator whose {@code orchestrator:<id>} wei account is debited
 * @param recipient payout address, lower-case {@code 0x} hex
 * @param amountWei amount, wei
 * @param strategy {@code eth_transfer} or {@code livepeer_ticket}
 * @param state where it stands
 * @param planHash hash of the approved plan it belongs to, or null
 * @param chainId chain id signed into its transaction
 * @param fromAddress the paying key's address
 * @param nonce the nonce its transaction(s) use
 * @param txHash the latest signed attempt's hash (after confirmation: the one mined)
 * @param blockNumber block of the confirmed receipt
 * @param blockHash hash of that block
 * @param replacements fee-bumped replacements signed so far
 * @param failureReason why it failed, or null
 * @param createdAt planned at
 * @param updatedAt last change
 * @param broadcastAt last broadcast
 * @param confirmedAt confirmed at
 */
public record PayoutIntent(
        String intentId,
        String orchestratorId,
        String recipient,
        BigInteger amountWei,
        String strategy,
        PayoutState state,
        String planHash,
        Long chainId,
        String fromAddress,
        BigInteger nonce,
        String txHash,
        Long blockNumber,
        String blockHash,
        int replacements,
        String failureReason,
        Instant createdAt,
        Instant updatedAt,
        Instant broadcastAt,
        Instant confirmedAt) {}
