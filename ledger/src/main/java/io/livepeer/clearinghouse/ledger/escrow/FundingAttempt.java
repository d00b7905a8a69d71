package io.livepeer.clearinghouse.ledger.escrow;

import java.time.Instant;

/**
 * One signed transaction of a funding (table {@code escrow_funding_attempts}, V24), stored before it is broadcast. All
 * attempts of a funding share its nonce, so at most one of them can be mined.
 *
 * @param fundingId the funding
 * @param attempt 0 for the original, 1.. for fee-bumped replacements, in signing order
 * @param txHash its hash, {@code 0x} hex
 * @param rawTx the signed transaction, {@code 0x} hex (fees and gas limit are read back from it)
 * @param createdAt when it was signed and stored
 */
public record FundingAttempt(String fundingId, int attempt, String txHash, String rawTx, Instant createdAt) {}
