package io.livepeer.clearinghouse.processors.metering;

import io.livepeer.clearinghouse.processors.event.SignedTicket;
import io.livepeer.clearinghouse.processors.event.SignerEnvelope;
import java.math.BigInteger;

/**
 * Where a signed ticket sits in its payment session, for gap and fork detection (issue 10): go-livepeer numbers the
 * signing calls of a session 0, 1, 2, … ({@code RemotePaymentState.SequenceNumber}, sent as
 * {@code data.sequence_number} with {@code data.session_id} = {@code StateID}; reference:
 * {@code signer-clearinghouse.md} §3.4).
 *
 * @param signer         who signed: {@code data.payer_address} (v0.9.3+, trimmed, lower case) when present, else the
 *                       envelope {@code gateway} ({@code ""} when unset); at most {@value #MAX_TEXT} characters
 * @param sessionId      {@code data.session_id}, or null when absent, empty or longer than {@value #MAX_TEXT}
 * @param sequenceNumber {@code data.sequence_number}, or null when it is absent, there is no session, or it does not
 *                       fit a long
 * @param numTickets     {@code data.num_tickets} (saturated at {@link Long#MAX_VALUE})
 */
public record SessionPosition(String signer, String sessionId, Long sequenceNumber, long numTickets) {

    /** Longest signer and session id kept (the columns' width). */
    public static final int MAX_TEXT = 255;

    /** The position of {@code ticket}, read from its envelope. */
    public static SessionPosition of(SignerEnvelope envelope, SignedTicket ticket) {
        // the parser has validated payer_address (0x + 40 hex digits) and lower-cased it
        String payer = ticket.payerAddress();
        String signer = payer != null ? payer : envelope.gateway() == null ? "" : envelope.gateway();
        if (signer.length() > MAX_TEXT || signer.indexOf('\0') >= 0) {
            signer = signer.replace('\0', '?').substring(0, Math.min(signer.length(), MAX_TEXT));
        }
        String session = ticket.sessionId();
        boolean tracked = session != null
                && !session.isEmpty()
                && session.length() <= MAX_TEXT
                && session.indexOf('\0') < 0
                && envelope.data() != null
                && envelope.data().hasNonNull("sequence_number") // absent is not 0: such events are not sequenced
                && ticket.sequenceNumber() != null
                && ticket.sequenceNumber().signum() >= 0
                && ticket.sequenceNumber().bitLength() < Long.SIZE;
        return new SessionPosition(
                signer,
                tracked ? session : null,
                tracked ? ticket.sequenceNumber().longValueExact() : null,
                saturated(ticket.numTickets()));
    }

    private static long saturated(BigInteger n) {
        if (n == null || n.signum() < 0) {
            return 0;
        }
        return n.bitLength() < Long.SIZE ? n.longValueExact() : Long.MAX_VALUE;
    }
}
