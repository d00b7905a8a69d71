package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;

/**
 * The Livepeer protocol contracts a payout needs besides the TicketBroker, found the way the broker finds them: its
 * {@code controller()} and {@code Controller.getContract(keccak256(name))} (Controller.sol, RoundsManager.sol,
 * BondingManager.sol on livepeer/protocol {@code delta}).
 */
public final class Protocol {

    private final Chain chain;
    private final TicketBroker broker;
    private final String controller;
    private final String roundsManager;
    private final String bondingManager;

    private Protocol(Chain chain, TicketBroker broker, String controller, String roundsManager, String bondingManager) {
        this.chain = chain;
        this.broker = broker;
        this.controller = controller;
        this.roundsManager = roundsManager;
        this.bondingManager = bondingManager;
    }

    /**
     * Looks up the Controller, RoundsManager and BondingManager of the broker at {@code ticketBroker}.
     *
     * @throws ChainException when a lookup fails or a contract is not registered
     */
    public static Protocol of(Chain chain, String ticketBroker) {
        TicketBroker broker = new TicketBroker(Objects.requireNonNull(chain, "chain"), ticketBroker);
        String controller = broker.controllerAddress();
        return new Protocol(
                chain,
                broker,
                controller,
                lookup(chain, controller, "RoundsManager"),
                lookup(chain, controller, "BondingManager"));
    }

    /** {@code keccak256(name)}: the Controller's id for a contract name. */
    public static byte[] contractId(String name) {
        return Hash.sha3(name.getBytes(StandardCharsets.UTF_8));
    }

    private static String lookup(Chain chain, String controller, String name) {
        Function getContract = new Function(
                "getContract", List.of(new Bytes32(contractId(name))), List.of(new TypeReference<Address>() {}));
        String address =
                ((String) chain.callView(controller, getContract).get(0).getValue()).toLowerCase(Locale.ROOT);
        if (address.equals("0x0000000000000000000000000000000000000000")) {
            throw new ChainException("controller " + controller + " has no " + name);
        }
        return address;
    }

    /** The TicketBroker binding. */
    public TicketBroker ticketBroker() {
        return broker;
    }

    /** The Controller's address. */
    public String controller() {
        return controller;
    }

    /** The BondingManager's address. */
    public String bondingManager() {
        return bondingManager;
    }

    /** The RoundsManager's address. */
    public String roundsManager() {
        return roundsManager;
    }

    /**
     * BondingManager {@code isRegisteredTranscoder(address)}: only registered transcoders (orchestrators) can be paid
     * by a ticket; redemption to anyone else reverts "transcoder must be registered".
     */
    public boolean isRegisteredTranscoder(String address) {
        Function function = new Function(
                "isRegisteredTranscoder",
                List.of(new Address(Addresses.normalise("transcoder", address))),
                List.of(new TypeReference<Bool>() {}));
        return (Boolean) chain.callView(bondingManager, function).get(0).getValue();
    }

    /** RoundsManager {@code currentRound()}. */
    public BigInteger currentRound() {
        return uint(roundsManager, "currentRound");
    }

    /** RoundsManager {@code currentRoundInitialized()}: redemption reverts until the round is initialised. */
    public boolean currentRoundInitialized() {
        Function function = new Function("currentRoundInitialized", List.of(), List.of(new TypeReference<Bool>() {}));
        return (Boolean) chain.callView(roundsManager, function).get(0).getValue();
    }

    /** RoundsManager {@code blockHashForRound(uint256)}: the hash a ticket's auxData must carry; zero when unknown. */
    public byte[] blockHashForRound(BigInteger round) {
        Function function = new Function(
                "blockHashForRound", List.of(new Uint256(round)), List.of(new TypeReference<Bytes32>() {}));
        return (byte[]) chain.callView(roundsManager, function).get(0).getValue();
    }

    private BigInteger uint(String contract, String name) {
        Function function = new Function(name, List.of(), List.of(new TypeReference<Uint256>() {}));
        return (BigInteger) chain.callView(contract, function).get(0).getValue();
    }
}
