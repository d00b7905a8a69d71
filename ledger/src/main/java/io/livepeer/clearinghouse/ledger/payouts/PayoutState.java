package io.livepeer.clearinghouse.ledger.payouts;

/** Where a payout intent stands. Transitions: PLANNED → SIGNED → BROADCAST → CONFIRMED | FAILED. */
public enum PayoutState {
    /** Planned for an amount; nothing signed, nothing sent. */
    PLANNED,
    /** A transaction is signed and stored with its nonce; it may not have reached the chain yet. */
    SIGNED,
    /** Broadcast at least once; waiting for a receipt with enough confirmations. */
    BROADCAST,
    /** Mined, confirmed and still canonical; the ledger debit is posted. */
    CONFIRMED,
    /** Given up: never signed, or mined and reverted. The balance is untouched. */
    FAILED;

    /** CONFIRMED and FAILED are final. */
    public boolean isOpen() {
        return this != CONFIRMED && this != FAILED;
    }
}
