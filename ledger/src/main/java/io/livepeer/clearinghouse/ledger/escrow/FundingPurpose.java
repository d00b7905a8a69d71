package io.livepeer.clearinghouse.ledger.escrow;

/** Why a funding transaction is sent (docs/escrow.md). */
public enum FundingPurpose {
    /** {@code fundDepositAndReserveFor(signer, deposit, reserve)} from the treasury key, for a monitored signer. */
    SIGNER_TOPUP,
    /** {@code fundDeposit()} from the payout key, for its own deposit (ticket payouts redeem against it). */
    PAYOUT_DEPOSIT
}
