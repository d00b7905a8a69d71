package io.livepeer.clearinghouse.ledger.escrow;

/** A funding transaction's life: {@code SIGNED → BROADCAST → CONFIRMED | FAILED}. */
public enum FundingState {
    /** Signed and committed; maybe broadcast already (a crash between the two is re-broadcast). */
    SIGNED,
    /** Accepted by the node, not yet confirmed. */
    BROADCAST,
    /** Mined with status 1 and the configured confirmations, in a canonical block. */
    CONFIRMED,
    /** Mined and reverted, or its nonce was used by another transaction: no ETH moved (beyond gas). */
    FAILED
}
