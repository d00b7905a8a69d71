package io.livepeer.clearinghouse.ledger.credit;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An immutable movement of {@code amount} from {@code debitAccount} to {@code creditAccount}.
 *
 * @param seq           position in the ledger (cursor)
 * @param id            unique transfer id (idempotency key)
 * @param debitAccount  key of the account debited
 * @param creditAccount key of the account credited
 * @param amount        amount in {@code unit}, not negative
 * @param unit          unit of both accounts
 * @param kind          why
 * @param reversesId    for a reversal, the id of the transfer it undoes
 * @param sourceEventId for usage, the CloudEvent id of the signer event
 * @param createdAt     when it was posted
 * @param metadata      free JSON text (usage: fee_wei, orch_address, network_usd_micros, ...), may be null
 */
public record Transfer(
        long seq,
        String id,
        String debitAccount,
        String creditAccount,
        BigDecimal amount,
        Unit unit,
        TransferKind kind,
        String reversesId,
        String sourceEventId,
        Instant createdAt,
        String metadata) {}
