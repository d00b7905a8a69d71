package io.livepeer.clearinghouse.ledger.escrow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The last poll of one monitored signer (table {@code escrow_signers}, V19). Amounts in wei.
 *
 * @param signer the signer's address (the remote signer's {@code -ethAcctAddr}), lower case
 * @param depositWei TicketBroker deposit
 * @param reserveWei TicketBroker reserve funds remaining
 * @param withdrawRound round from which the signer may withdraw (0: not unlocking)
 * @param burnWeiPerHour metered {@code fee_wei} per hour over the burn window (rounded down)
 * @param runwayHours hours until deposit + reserve no longer cover the burn; null = infinite (no burn)
 * @param lastDecision what the funding step decided at that poll (top-up sent, dry run, capped, not needed...)
 * @param polledAt when
 */
public record SignerObservation(
        String signer,
        BigInteger depositWei,
        BigInteger reserveWei,
        BigInteger withdrawRound,
        BigInteger burnWeiPerHour,
        BigDecimal runwayHours,
        String lastDecision,
        Instant polledAt) {}
