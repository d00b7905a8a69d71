package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.Contract;

/**
 * Decodes TicketBroker events (TicketBroker.sol, ABI in {@code TicketBroker.abi.json}) from a receipt's logs, keeping
 * only logs emitted by the broker's address. Amounts in wei.
 */
public final class TicketBrokerEvents {

    /** {@code WinningTicketRedeemed(address indexed sender, address indexed recipient, uint256 faceValue, uint256
     * winProb, uint256 senderNonce, uint256 recipientRand, bytes auxData)}. */
    public static final Event WINNING_TICKET_REDEEMED = new Event(
            "WinningTicketRedeemed",
            List.of(
                    new TypeReference<Address>(true) {},
                    new TypeReference<Address>(true) {},
                    new TypeReference<Uint256>() {},
                    new TypeReference<Uint256>() {},
                    new TypeReference<Uint256>() {},
                    new TypeReference<Uint256>() {},
                    new TypeReference<DynamicBytes>() {}));

    /** {@code WinningTicketTransfer(address indexed sender, address indexed recipient, uint256 amount)}. */
    public static final Event WINNING_TICKET_TRANSFER = new Event(
            "WinningTicketTransfer",
            List.of(
                    new TypeReference<Address>(true) {},
                    new TypeReference<Address>(true) {},
                    new TypeReference<Uint256>() {}));

    /** {@code DepositFunded(address indexed sender, uint256 amount)}. */
    public static final Event DEPOSIT_FUNDED =
            new Event("DepositFunded", List.of(new TypeReference<Address>(true) {}, new TypeReference<Uint256>() {}));

    /** {@code ReserveFunded(address indexed reserveHolder, uint256 amount)}. */
    public static final Event RESERVE_FUNDED =
            new Event("ReserveFunded", List.of(new TypeReference<Address>(true) {}, new TypeReference<Uint256>() {}));

    /** topic0 of {@link #WINNING_TICKET_REDEEMED}. */
    public static final String WINNING_TICKET_REDEEMED_TOPIC = EventEncoder.encode(WINNING_TICKET_REDEEMED);

    /** topic0 of {@link #WINNING_TICKET_TRANSFER}. */
    public static final String WINNING_TICKET_TRANSFER_TOPIC = EventEncoder.encode(WINNING_TICKET_TRANSFER);

    /** topic0 of {@link #DEPOSIT_FUNDED}. */
    public static final String DEPOSIT_FUNDED_TOPIC = EventEncoder.encode(DEPOSIT_FUNDED);

    /** topic0 of {@link #RESERVE_FUNDED}. */
    public static final String RESERVE_FUNDED_TOPIC = EventEncoder.encode(RESERVE_FUNDED);

    private TicketBrokerEvents() {}

    /**
     * One redeemed ticket. The log carries every ticket field but the rand commitment, which follows from
     * {@code recipientRand}, so the redeemed ticket's hash is known exactly.
     */
    public record WinningTicketRedeemed(
            String sender,
            String recipient,
            BigInteger faceValue,
            BigInteger winProb,
            BigInteger senderNonce,
            BigInteger recipientRand,
            byte[] auxData,
            String transactionHash,
            BigInteger logIndex) {

        /** The redeemed ticket. */
        public Ticket ticket() {
            return new Ticket(
                    recipient,
                    sender,
                    faceValue,
                    winProb,
                    senderNonce,
                    Ticket.recipientRandHash(recipientRand),
                    auxData);
        }

        /** The redeemed ticket's hash (what {@code usedTickets} now marks). */
        public byte[] ticketHash() {
            return ticket().hash();
        }
    }

    /** Wei moved to a recipient's fee pool for a winning ticket. */
    public record WinningTicketTransfer(String sender, String recipient, BigInteger amount) {}

    /** Wei added to a sender's deposit ({@code DepositFunded}) or reserve ({@code ReserveFunded}). */
    public record Funded(String holder, BigInteger amount) {}

    /** Every {@code WinningTicketRedeemed} the broker at {@code broker} emitted in the receipt, in log order. */
    public static List<WinningTicketRedeemed> winningTicketsRedeemed(TransactionReceipt receipt, String broker) {
        List<WinningTicketRedeemed> out = new ArrayList<>();
        for (Log log : logs(receipt, broker, WINNING_TICKET_REDEEMED_TOPIC)) {
            var values = Contract.staticExtractEventParameters(WINNING_TICKET_REDEEMED, log);
            var indexed = values.getIndexedValues();
            var data = values.getNonIndexedValues();
            out.add(new WinningTicketRedeemed(
                    address(indexed.get(0)),
                    address(indexed.get(1)),
                    (BigInteger) data.get(0).getValue(),
                    (BigInteger) data.get(1).getValue(),
                    (BigInteger) data.get(2).getValue(),
                    (BigInteger) data.get(3).getValue(),
                    (byte[]) data.get(4).getValue(),
                    log.getTransactionHash(),
                    log.getLogIndex()));
        }
        return out;
    }

    /** Every {@code WinningTicketTransfer} the broker emitted in the receipt, in log order. */
    public static List<WinningTicketTransfer> winningTicketTransfers(TransactionReceipt receipt, String broker) {
        List<WinningTicketTransfer> out = new ArrayList<>();
        for (Log log : logs(receipt, broker, WINNING_TICKET_TRANSFER_TOPIC)) {
            var values = Contract.staticExtractEventParameters(WINNING_TICKET_TRANSFER, log);
            out.add(new WinningTicketTransfer(
                    address(values.getIndexedValues().get(0)),
                    address(values.getIndexedValues().get(1)),
                    (BigInteger) values.getNonIndexedValues().get(0).getValue()));
        }
        return out;
    }

    /** Every {@code DepositFunded} the broker emitted in the receipt. */
    public static List<Funded> depositsFunded(TransactionReceipt receipt, String broker) {
        return funded(receipt, broker, DEPOSIT_FUNDED, DEPOSIT_FUNDED_TOPIC);
    }

    /** Every {@code ReserveFunded} the broker emitted in the receipt. */
    public static List<Funded> reservesFunded(TransactionReceipt receipt, String broker) {
        return funded(receipt, broker, RESERVE_FUNDED, RESERVE_FUNDED_TOPIC);
    }

    private static List<Funded> funded(TransactionReceipt receipt, String broker, Event event, String topic) {
        List<Funded> out = new ArrayList<>();
        for (Log log : logs(receipt, broker, topic)) {
            var values = Contract.staticExtractEventParameters(event, log);
            out.add(new Funded(address(values.getIndexedValues().get(0)), (BigInteger)
                    values.getNonIndexedValues().get(0).getValue()));
        }
        return out;
    }

    private static List<Log> logs(TransactionReceipt receipt, String broker, String topic) {
        String emitter = Addresses.normalise("broker", broker);
        List<Log> out = new ArrayList<>();
        for (Log log : receipt.getLogs()) {
            if (log.getAddress() != null
                    && emitter.equals(log.getAddress().toLowerCase(Locale.ROOT))
                    && !log.getTopics().isEmpty()
                    && topic.equalsIgnoreCase(log.getTopics().get(0))) {
                out.add(log);
            }
        }
        return out;
    }

    private static String address(org.web3j.abi.datatypes.Type<?> value) {
        return ((String) value.getValue()).toLowerCase(Locale.ROOT);
    }
}
