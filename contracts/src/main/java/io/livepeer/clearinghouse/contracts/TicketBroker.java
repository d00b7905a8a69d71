package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;

/**
 * Binding for Livepeer's TicketBroker (TicketBroker.sol on livepeer/protocol {@code delta}; ABI
 * {@code TicketBroker.abi.json} from {@code deployments/arbitrumMainnet/TicketBrokerTarget.json}), used at the proxy
 * address (Arbitrum One: {@value #ARBITRUM_ONE}). Hand-written with web3j's {@code FunctionEncoder}; the selectors are
 * pinned by tests against the ABI. Amounts in wei.
 */
public final class TicketBroker {

    /** The TicketBroker proxy on Arbitrum One (chain id 42161). */
    public static final String ARBITRUM_ONE = "0xa8bB618B1520E284046F3dFc448851A1Ff26e41B";

    private final Chain chain;
    private final String address;

    /** The broker at {@code address} (the proxy) on {@code chain}. */
    public TicketBroker(Chain chain, String address) {
        this.chain = Objects.requireNonNull(chain, "chain");
        this.address = Addresses.normalise("ticket broker address", address);
    }

    /** The broker's address, lower case. */
    public String address() {
        return address;
    }

    // ---- encoders (selectors in the comments) ----

    /** {@code redeemWinningTicket((address,address,uint256,uint256,uint256,bytes32,bytes),bytes,uint256)}, 0xec8b3cb6. */
    public static Function redeemWinningTicket(SignedTicket ticket) {
        return new Function(
                "redeemWinningTicket",
                List.of(
                        ticket.ticket().toAbi(),
                        new DynamicBytes(ticket.signature()),
                        new Uint256(ticket.recipientRand())),
                List.of());
    }

    /**
     * {@code batchRedeemWinningTickets(Ticket[],bytes[],uint256[])}, 0xd01b808e. The contract swallows per-ticket
     * failures: read {@link TicketBrokerEvents#winningTicketsRedeemed} to learn which tickets paid.
     *
     * @throws IllegalArgumentException for an empty batch
     */
    public static Function batchRedeemWinningTickets(List<SignedTicket> tickets) {
        if (tickets.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one ticket");
        }
        List<DynamicStruct> structs = new ArrayList<>();
        List<DynamicBytes> sigs = new ArrayList<>();
        List<Uint256> rands = new ArrayList<>();
        for (SignedTicket ticket : tickets) {
            structs.add(ticket.ticket().toAbi());
            sigs.add(new DynamicBytes(ticket.signature()));
            rands.add(new Uint256(ticket.recipientRand()));
        }
        return new Function(
                "batchRedeemWinningTickets",
                List.of(
                        new DynamicArray<>(DynamicStruct.class, structs),
                        new DynamicArray<>(DynamicBytes.class, sigs),
                        new DynamicArray<>(Uint256.class, rands)),
                List.of());
    }

    /** {@code fundDeposit()} (payable, msg.value is the amount), 0x6caa736b. */
    public static Function fundDeposit() {
        return new Function("fundDeposit", List.of(), List.of());
    }

    /**
     * {@code fundDepositAndReserveFor(address,uint256,uint256)} (payable; msg.value must equal deposit + reserve),
     * 0x989f789c: funds {@code sender}'s deposit and reserve from the caller.
     */
    public static Function fundDepositAndReserveFor(String sender, BigInteger deposit, BigInteger reserve) {
        return new Function(
                "fundDepositAndReserveFor",
                List.of(
                        new Address(Addresses.normalise("sender", sender)),
                        new Uint256(Uint.check("deposit", deposit)),
                        new Uint256(Uint.check("reserve", reserve))),
                List.of());
    }

    /** {@code getSenderInfo(address)}, 0xe1a589da: two static structs, decoded as 4 × uint256. */
    public static Function getSenderInfo(String sender) {
        return new Function(
                "getSenderInfo",
                List.of(new Address(Addresses.normalise("sender", sender))),
                List.of(
                        new TypeReference<Uint256>() {},
                        new TypeReference<Uint256>() {},
                        new TypeReference<Uint256>() {},
                        new TypeReference<Uint256>() {}));
    }

    /** {@code getTicketHash(Ticket)} (pure), 0xb03fa864. */
    public static Function getTicketHash(Ticket ticket) {
        return new Function("getTicketHash", List.of(ticket.toAbi()), List.of(new TypeReference<Bytes32>() {}));
    }

    /** {@code usedTickets(bytes32)}, 0x59a515ba. */
    public static Function usedTickets(byte[] ticketHash) {
        return new Function("usedTickets", List.of(new Bytes32(ticketHash)), List.of(new TypeReference<Bool>() {}));
    }

    /** {@code controller()}, 0xf77c4791. */
    public static Function controller() {
        return new Function("controller", List.of(), List.of(new TypeReference<Address>() {}));
    }

    /** {@code ticketValidityPeriod()}, 0x856a2cf8. */
    public static Function ticketValidityPeriod() {
        return new Function("ticketValidityPeriod", List.of(), List.of(new TypeReference<Uint256>() {}));
    }

    /** {@code setTicketValidityPeriod(uint256)} (controller owner only). */
    public static Function setTicketValidityPeriod(BigInteger rounds) {
        return new Function("setTicketValidityPeriod", List.of(new Uint256(rounds)), List.of());
    }

    /** ABI-encoded calldata of {@code function}, {@code 0x} hex. */
    public static String encode(Function function) {
        return FunctionEncoder.encode(function);
    }

    // ---- reads ----

    /** The sender's deposit, withdraw round and reserve. */
    @SuppressWarnings("rawtypes")
    public SenderInfo senderInfo(String sender) {
        List<Type> values = chain.callView(address, getSenderInfo(sender));
        return new SenderInfo(
                (BigInteger) values.get(0).getValue(),
                (BigInteger) values.get(1).getValue(),
                (BigInteger) values.get(2).getValue(),
                (BigInteger) values.get(3).getValue());
    }

    /** The broker's own hash of the ticket (equals {@link Ticket#hash()}). */
    public byte[] ticketHash(Ticket ticket) {
        return (byte[]) chain.callView(address, getTicketHash(ticket)).get(0).getValue();
    }

    /** Whether a ticket with this hash was already redeemed. */
    public boolean isUsed(byte[] ticketHash) {
        return (Boolean) chain.callView(address, usedTickets(ticketHash)).get(0).getValue();
    }

    /** The protocol Controller the broker looks contracts up in. */
    public String controllerAddress() {
        return ((String) chain.callView(address, controller()).get(0).getValue()).toLowerCase(Locale.ROOT);
    }

    /** Rounds a ticket stays redeemable after its creation round. */
    public BigInteger validityPeriod() {
        return (BigInteger)
                chain.callView(address, ticketValidityPeriod()).get(0).getValue();
    }

    /**
     * Dry-runs the redemption with {@code eth_call} from {@code redeemer}: answers the revert reason (e.g. "ticket is
     * used", "transcoder must be registered", "ticket is expired") so a doomed redemption is never mined (a
     * reverted redemption still costs ~60k gas).
     */
    public CallResult checkRedeem(String redeemer, SignedTicket ticket) {
        return chain.call(redeemer, address, encode(redeemWinningTicket(ticket)));
    }

    /** {@code eth_estimateGas} for redeeming one ticket from {@code redeemer}; throws when it would revert. */
    public BigInteger estimateRedeemGas(String redeemer, SignedTicket ticket) {
        return chain.estimateGas(redeemer, address, BigInteger.ZERO, encode(redeemWinningTicket(ticket)));
    }
}
