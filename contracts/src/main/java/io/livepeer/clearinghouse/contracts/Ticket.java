package io.livepeer.clearinghouse.contracts;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * A Livepeer probabilistic-micropayment ticket, field for field as {@code Ticket} in TicketBroker.sol
 * ({@code contracts/pm/mixins/interfaces/MTicketBrokerCore.sol}); ABI tuple
 * {@code (address,address,uint256,uint256,uint256,bytes32,bytes)}. Amounts in wei.
 *
 * @param recipient address paid when the ticket wins (must be a registered transcoder on chain)
 * @param sender address whose TicketBroker deposit/reserve pays, and whose key signs the ticket
 * @param faceValue wei paid when the ticket wins
 * @param winProb win probability as a fraction of 2^256-1 ({@link #MAX_WIN_PROB} always wins)
 * @param senderNonce sender's nonce (uint256 on chain; go-livepeer uses uint32)
 * @param recipientRandHash keccak256 of the recipient's 32-byte random value, 32 bytes
 * @param auxData creation round (uint256) followed by that round's block hash, 64 bytes, or empty
 */
public record Ticket(
        String recipient,
        String sender,
        BigInteger faceValue,
        BigInteger winProb,
        BigInteger senderNonce,
        byte[] recipientRandHash,
        byte[] auxData) {

    /** 2^256 - 1: a ticket with this win probability always wins. */
    public static final BigInteger MAX_WIN_PROB = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    /** Validates the shapes; addresses are normalised to lower-case {@code 0x} hex. */
    public Ticket {
        recipient = Addresses.normalise("recipient", recipient);
        sender = Addresses.normalise("sender", sender);
        faceValue = Uint.check("faceValue", faceValue);
        winProb = Uint.check("winProb", winProb);
        senderNonce = Uint.check("senderNonce", senderNonce);
        Objects.requireNonNull(recipientRandHash, "recipientRandHash");
        if (recipientRandHash.length != 32) {
            throw new IllegalArgumentException("recipientRandHash must be 32 bytes, got " + recipientRandHash.length);
        }
        recipientRandHash = recipientRandHash.clone();
        auxData = Objects.requireNonNull(auxData, "auxData").clone();
    }

    /**
     * The auxData of a ticket created in {@code creationRound}: uint256 round followed by that round's block hash
     * (64 bytes), or empty when the round is 0 and the hash is all zeros (go-livepeer
     * {@code TicketExpirationParams.AuxData}).
     */
    public static byte[] auxData(BigInteger creationRound, byte[] creationRoundBlockHash) {
        Uint.check("creationRound", creationRound);
        if (creationRoundBlockHash == null || creationRoundBlockHash.length != 32) {
            throw new IllegalArgumentException("creationRoundBlockHash must be 32 bytes");
        }
        if (creationRound.signum() == 0 && Arrays.equals(creationRoundBlockHash, new byte[32])) {
            return new byte[0];
        }
        byte[] aux = new byte[64];
        System.arraycopy(Numeric.toBytesPadded(creationRound, 32), 0, aux, 0, 32);
        System.arraycopy(creationRoundBlockHash, 0, aux, 32, 32);
        return aux;
    }

    /** keccak256 of the 32-byte big-endian value: the commitment a ticket carries for {@code recipientRand}. */
    public static byte[] recipientRandHash(BigInteger recipientRand) {
        return Hash.sha3(Numeric.toBytesPadded(Uint.check("recipientRand", recipientRand), 32));
    }

    @Override
    public byte[] recipientRandHash() {
        return recipientRandHash.clone();
    }

    @Override
    public byte[] auxData() {
        return auxData.clone();
    }

    /**
     * The ticket hash: keccak256 of {@code abi.encodePacked(recipient, sender, faceValue, winProb, senderNonce,
     * recipientRandHash, auxData)} (TicketBroker.sol {@code getTicketHash}, go-livepeer {@code pm/ticket.go Hash}).
     */
    public byte[] hash() {
        ByteArrayOutputStream packed = new ByteArrayOutputStream(168 + auxData.length);
        packed.writeBytes(Numeric.hexStringToByteArray(recipient));
        packed.writeBytes(Numeric.hexStringToByteArray(sender));
        packed.writeBytes(Numeric.toBytesPadded(faceValue, 32));
        packed.writeBytes(Numeric.toBytesPadded(winProb, 32));
        packed.writeBytes(Numeric.toBytesPadded(senderNonce, 32));
        packed.writeBytes(recipientRandHash);
        packed.writeBytes(auxData);
        return Hash.sha3(packed.toByteArray());
    }

    /** The ticket as the ABI tuple TicketBroker functions take. */
    public DynamicStruct toAbi() {
        return new DynamicStruct(
                new Address(recipient),
                new Address(sender),
                new Uint256(faceValue),
                new Uint256(winProb),
                new Uint256(senderNonce),
                new Bytes32(recipientRandHash),
                new DynamicBytes(auxData));
    }

    /**
     * Expected value in wei: {@code faceValue * winProb / (2^256-1)}, rounded down (go-livepeer {@code ticketEV}
     * keeps a rational; callers here only need whole wei).
     */
    public BigInteger expectedValue() {
        return faceValue.multiply(winProb).divide(MAX_WIN_PROB);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Ticket t
                && recipient.equals(t.recipient)
                && sender.equals(t.sender)
                && faceValue.equals(t.faceValue)
                && winProb.equals(t.winProb)
                && senderNonce.equals(t.senderNonce)
                && Arrays.equals(recipientRandHash, t.recipientRandHash)
                && Arrays.equals(auxData, t.auxData);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash());
    }

    @Override
    public String toString() {
        return "Ticket[recipient=" + recipient + ", sender=" + sender + ", faceValue=" + faceValue + ", winProb="
                + winProb + ", senderNonce=" + senderNonce + ", hash=" + Numeric.toHexString(hash()) + "]";
    }
}
