package io.livepeer.clearinghouse.ledger.credit;

import java.math.BigDecimal;

/**
 * A transfer to post.
 *
 * @param id            unique id; posting the same id again returns the first result (idempotency)
 * @param debitAccount  account key debited (created on first use)
 * @param creditAccount account key credited (created on first use)
 * @param amount        amount in the accounts' unit
 * @param kind          why
 * @param reversesId    the transfer this one reverses, or null
 * @param sourceEventId the signer event behind it, or null
 * @param metadata      free JSON text, or null
 */
public record NewTransfer(
        String id,
        String debitAccount,
        String creditAccount,
        BigDecimal amount,
        TransferKind kind,
        String reversesId,
        String sourceEventId,
        String metadata) {}
