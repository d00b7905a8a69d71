package io.livepeer.clearinghouse.ledger.credit;

/** Who an account belongs to. */
public enum AccountKind {
    /** {@code customer:<customer key>}: prepaid credit in USD micros; usage debits it. */
    CUSTOMER,
    /** {@code orchestrator:<id or address>}: earnings in wei; payouts debit it. */
    ORCHESTRATOR,
    /** {@code system:<name>}: the other side of grants, usage, adjustments, imports and settlement. */
    SYSTEM
}
