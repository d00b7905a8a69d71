package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * A ticket with its sender's signature and the recipient's random value: everything
 * {@code redeemWinningTicket(Ticket, bytes sig, uint256 recipientRand)} takes.
 *
 * @param ticket the ticket; its {@code recipientRandHash} commits to {@code recipientRand}
 * @param signature 65 bytes r ‖ s ‖ v, EIP-191 over the ticket hash, v 27/28, low s
 * @param recipientRand the recipient's random value revealed at redemption
 */
public record SignedTicket(Ticket ticket, byte[] signature, BigInteger recipientRand) {

    /** Validates shapes and that {@code recipientRand} matches the ticket's commitment. */
    public SignedTicket {
        Objects.requireNonNull(ticket, "ticket");
        Objects.requireNonNull(signature, "signature");
        if (signature.length != 65) {
            throw new IllegalArgumentException("signature must be 65 bytes, got " + signature.length);
        }
        signature = signature.clone();
        Uint.check("recipientRand", recipientRand);
        if (!Arrays.equals(Ticket.recipientRandHash(recipientRand), ticket.recipientRandHash())) {
            throw new IllegalArgumentException("recipientRand does not match the ticket's recipientRandHash");
        }
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * The win check of TicketBroker.sol {@code isWinningTicket}: {@code uint256(keccak256(sig ‖ uint256 rand)) <
     * winProb}.
     */
    public boolean isWinning() {
        byte[] input = new byte[65 + 32];
        System.arraycopy(signature, 0, input, 0, 65);
        System.arraycopy(Numeric.toBytesPadded(recipientRand, 32), 0, input, 65, 32);
        return new BigInteger(1, Hash.sha3(input)).compareTo(ticket.winProb()) < 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SignedTicket s
                && ticket.equals(s.ticket)
                && Arrays.equals(signature, s.signature)
                && recipientRand.equals(s.recipientRand);
    }

    @Override
    public int hashCode() {
        return ticket.hashCode();
    }

    @Override
    public String toString() {
        return "SignedTicket[" + ticket + "]";
    }
}
