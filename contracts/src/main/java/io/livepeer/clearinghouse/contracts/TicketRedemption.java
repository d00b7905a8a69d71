package io.livepeer.clearinghouse.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.web3j.abi.datatypes.Function;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Redeeming tickets without trusting a status-1 receipt: tickets are pre-checked one by one (registered recipient,
 * then an {@code eth_call} of {@code redeemWinningTicket}), the batch gas limit is the sum of each ticket's own
 * estimate × 1.25 (the estimate of {@code batchRedeemWinningTickets} covers only the outer call, because the contract
 * swallows per-ticket failures, and valid tickets then go unpaid), and after mining each ticket counts as paid only
 * if its {@code WinningTicketRedeemed} log is in the receipt (reference/ops-backend-and-payouts.md §2.6, §4.3).
 */
public final class TicketRedemption {

    /** Gas headroom over the sum of per-ticket estimates: × 125 / 100, rounded up. */
    private static final BigInteger HEADROOM_NUM = BigInteger.valueOf(125);

    private static final BigInteger HEADROOM_DEN = BigInteger.valueOf(100);

    private final Protocol protocol;
    private final String redeemer;

    /** Redeems on {@code protocol}'s broker from {@code redeemer} (the address that sends the transaction). */
    public TicketRedemption(Protocol protocol, String redeemer) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.redeemer = Addresses.normalise("redeemer", redeemer);
    }

    /** A ticket left out of a redemption, with the reason. */
    public record Refusal(SignedTicket ticket, String reason) {}

    /**
     * The outcome of {@link #preCheck}.
     *
     * @param redeemable tickets expected to redeem, in the given order
     * @param refused tickets left out, each with its reason
     * @param gasLimit gas limit for redeeming {@code redeemable} in one transaction (0 when none)
     * @param faceValueTotal sum of the redeemable tickets' face values, wei (deposit + reserve must cover it)
     */
    public record PreCheck(
            List<SignedTicket> redeemable, List<Refusal> refused, BigInteger gasLimit, BigInteger faceValueTotal) {

        /** The call to send: {@code redeemWinningTicket} for one ticket, {@code batchRedeemWinningTickets} for more. */
        public Function call() {
            if (redeemable.isEmpty()) {
                throw new IllegalStateException("no redeemable ticket");
            }
            return redeemable.size() == 1
                    ? TicketBroker.redeemWinningTicket(redeemable.get(0))
                    : TicketBroker.batchRedeemWinningTickets(redeemable);
        }
    }

    /**
     * Checks each ticket on chain without sending anything: recipient is a registered transcoder (else refused "not a
     * registered transcoder"), not a duplicate in this set, and an {@code eth_call} of its redemption succeeds (else
     * refused with the revert reason, e.g. "ticket is used", "ticket is expired"); then estimates each.
     */
    public PreCheck preCheck(List<SignedTicket> tickets) {
        TicketBroker broker = protocol.ticketBroker();
        List<SignedTicket> redeemable = new ArrayList<>();
        List<Refusal> refused = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        BigInteger gas = BigInteger.ZERO;
        BigInteger faceValues = BigInteger.ZERO;
        for (SignedTicket ticket : tickets) {
            String hash = Numeric.toHexString(ticket.ticket().hash());
            if (!seen.add(hash)) {
                refused.add(new Refusal(ticket, "duplicate ticket " + hash + " in this redemption"));
                continue;
            }
            String recipient = ticket.ticket().recipient();
            if (!protocol.isRegisteredTranscoder(recipient)) {
                refused.add(new Refusal(ticket, "recipient " + recipient + " is not a registered transcoder"));
                continue;
            }
            CallResult dryRun = broker.checkRedeem(redeemer, ticket);
            if (dryRun.reverted()) {
                refused.add(new Refusal(ticket, dryRun.revertReason()));
                continue;
            }
            gas = gas.add(broker.estimateRedeemGas(redeemer, ticket));
            faceValues = faceValues.add(ticket.ticket().faceValue());
            redeemable.add(ticket);
        }
        BigInteger gasLimit = gas.multiply(HEADROOM_NUM)
                .add(HEADROOM_DEN.subtract(BigInteger.ONE))
                .divide(HEADROOM_DEN);
        return new PreCheck(List.copyOf(redeemable), List.copyOf(refused), gasLimit, faceValues);
    }

    /**
     * Which of {@code sent} the mined transaction actually redeemed: those whose hash appears in a
     * {@code WinningTicketRedeemed} log of the broker. A reverted transaction (status ≠ 1) redeemed none.
     *
     * @return the redeemed tickets, in {@code sent} order
     */
    public static List<SignedTicket> redeemed(TransactionReceipt receipt, String broker, List<SignedTicket> sent) {
        if (!receipt.isStatusOK()) {
            return List.of();
        }
        Set<String> logged = new HashSet<>();
        for (TicketBrokerEvents.WinningTicketRedeemed event :
                TicketBrokerEvents.winningTicketsRedeemed(receipt, broker)) {
            logged.add(Numeric.toHexString(event.ticketHash()));
        }
        List<SignedTicket> out = new ArrayList<>();
        for (SignedTicket ticket : sent) {
            if (logged.contains(Numeric.toHexString(ticket.ticket().hash()))) {
                out.add(ticket);
            }
        }
        return out;
    }
}
