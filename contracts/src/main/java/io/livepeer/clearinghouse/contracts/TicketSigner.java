package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Builds and signs tickets as their sender (go-livepeer {@code pm/sender.go}; livepeer-ops
 * {@code payments/livepeer_ticket_broker_client.py} for payouts). The signature is EIP-191 over the ticket hash with
 * the sender's key, so {@code ECDSA.recover(toEthSignedMessageHash(hash), sig) == sender} on chain.
 */
public final class TicketSigner {

    private final PayoutKey key;
    private final SecureRandom random;

    /** Signs as {@code key}'s address; {@code random} draws sender nonces and recipient random values. */
    public TicketSigner(PayoutKey key, SecureRandom random) {
        this.key = Objects.requireNonNull(key, "key");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The sender address (the key's). */
    public String sender() {
        return key.address();
    }

    /** The 65-byte EIP-191 signature of the ticket's hash. */
    public byte[] sign(Ticket ticket) {
        if (!ticket.sender().equals(key.address())) {
            throw new IllegalArgumentException(
                    "ticket sender " + ticket.sender() + " is not this key's address " + key.address());
        }
        return key.signPrefixed(ticket.hash());
    }

    /** Signs a ticket whose {@code recipientRandHash} commits to {@code recipientRand}. */
    public SignedTicket sign(Ticket ticket, BigInteger recipientRand) {
        return new SignedTicket(ticket, sign(ticket), recipientRand);
    }

    /**
     * An always-winning ticket (winProb 2^256-1) paying {@code faceValue} wei to {@code recipient}, created in
     * {@code creationRound} whose block hash is {@code creationRoundBlockHash} (from RoundsManager
     * {@code blockHashForRound}), with a random 256-bit sender nonce and recipient random value: the payout ticket of
     * livepeer-ops. Since this process is both sender and recipient-side redeemer, it knows the random value.
     */
    public SignedTicket alwaysWinning(
            String recipient, BigInteger faceValue, BigInteger creationRound, byte[] creationRoundBlockHash) {
        if (faceValue.signum() <= 0) {
            throw new IllegalArgumentException("faceValue must be positive wei, got " + faceValue);
        }
        BigInteger recipientRand = new BigInteger(256, random);
        Ticket ticket = new Ticket(
                recipient,
                key.address(),
                faceValue,
                Ticket.MAX_WIN_PROB,
                new BigInteger(256, random),
                Ticket.recipientRandHash(recipientRand),
                Ticket.auxData(creationRound, creationRoundBlockHash));
        return sign(ticket, recipientRand);
    }
}
