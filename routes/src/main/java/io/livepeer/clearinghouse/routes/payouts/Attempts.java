package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.ledger.payouts.SignedAttempt;

/** The stored form of a signed transaction, shared by both payout strategies. */
final class Attempts {

    private Attempts() {}

    /** {@code tx} as a {@link SignedAttempt} (hash, raw bytes, nonce, gas limit, EIP-1559 fees in wei per gas). */
    static SignedAttempt of(SignedTransaction tx) {
        return new SignedAttempt(
                tx.hash(),
                tx.raw(),
                tx.nonce(),
                tx.gasLimit(),
                tx.fees().maxFeePerGas(),
                tx.fees().maxPriorityFeePerGas());
    }
}
