package io.livepeer.clearinghouse.ledger.credit;

/** Why money moved. */
public enum TransferKind {
    /** Metered usage: customer → usage revenue, one per signer event. */
    USAGE,
    /** Prepaid top-up or trial credit: grants → customer. */
    GRANT,
    /** Manual correction with a reason: adjustments ↔ account. */
    ADJUSTMENT,
    /** Undoes another transfer (debit and credit swapped); names the transfer it reverses. */
    REVERSAL,
    /** Opening balances and journal entries imported from another system. */
    IMPORT,
    /** On-chain payout settlement. */
    SETTLEMENT,
    /**
     * Orchestrator earnings (wei): orchestrator earnings → {@code orchestrator:<id>}; the reason (session_time,
     * workload_time, power_time, ...) is in the metadata. Issue 11.
     */
    EARNING
}
