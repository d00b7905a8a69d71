package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An orchestrator's monthly statement (UTC month) from the ledger: every transfer of its {@code orchestrator:<id>}
 * wei account in the month, oldest first, as a credit (earnings, positive adjustments, imports), a payout (the
 * {@code SETTLEMENT} debit of a confirmed payout, with its transaction hash) or another debit (negative
 * adjustments, reversals), then the totals and the net change of the balance (credits − payouts − other debits).
 * Amounts are whole wei.
 *
 * @param orchestratorId the orchestrator
 * @param month the UTC month
 * @param lines the month's movements, oldest first
 */
public record PayoutStatement(String orchestratorId, YearMonth month, List<Line> lines) {

    /**
     * One movement.
     *
     * @param at when it was posted
     * @param type {@code credit}, {@code payout} or {@code debit}
     * @param transferId the ledger transfer (for a payout: the intent id)
     * @param kind the ledger transfer kind (EARNING, SETTLEMENT, ADJUSTMENT, ...)
     * @param amountWei signed: positive credits the orchestrator, negative debits it
     * @param txHash the payout's mined transaction, else null
     * @param strategy the payout's strategy ({@code eth_transfer}, {@code livepeer_ticket}), else null
     * @param ticketHash a {@code livepeer_ticket} payout's ticket, else null
     * @param ticketOutcome that ticket's outcome ({@code redeemed}: its own WinningTicketRedeemed log), else null
     */
    public record Line(
            Instant at,
            String type,
            String transferId,
            String kind,
            BigInteger amountWei,
            String txHash,
            String strategy,
            String ticketHash,
            String ticketOutcome) {}

    private static final int PAGE = 500;

    /**
     * Builds the statement.
     *
     * @throws IllegalArgumentException for an unknown orchestrator
     */
    public static PayoutStatement of(
            OrchestratorStore orchestrators,
            Ledger ledger,
            PayoutIntents intents,
            String orchestratorId,
            YearMonth month)
            throws SQLException {
        return of(orchestrators, ledger, intents, null, orchestratorId, month);
    }

    /**
     * Builds the statement, with each ticket payout's ticket hash and outcome from {@code tickets} (none when null).
     *
     * @throws IllegalArgumentException for an unknown orchestrator
     */
    public static PayoutStatement of(
            OrchestratorStore orchestrators,
            Ledger ledger,
            PayoutIntents intents,
            PayoutTickets tickets,
            String orchestratorId,
            YearMonth month)
            throws SQLException {
        if (orchestrators.find(orchestratorId).isEmpty()) {
            throw new IllegalArgumentException("no orchestrator " + orchestratorId);
        }
        String account = AccountKeys.orchestrator(orchestratorId);
        List<Line> lines = new ArrayList<>();
        if (ledger.account(account).isEmpty()) {
            return new PayoutStatement(orchestratorId, month, lines);
        }
        Instant from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        List<Transfer> newestFirst = new ArrayList<>();
        Long before = null;
        while (true) {
            List<Transfer> page = ledger.transfers(account, null, from, to, before, PAGE);
            newestFirst.addAll(page);
            if (page.size() < PAGE) {
                break;
            }
            before = page.get(page.size() - 1).seq();
        }
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            Transfer t = newestFirst.get(i);
            BigInteger amount = t.amount().toBigIntegerExact();
            boolean credit = account.equals(t.creditAccount());
            String type = credit ? "credit" : t.kind() == TransferKind.SETTLEMENT ? "payout" : "debit";
            String txHash = null;
            String strategy = null;
            String ticketHash = null;
            String ticketOutcome = null;
            if ("payout".equals(type)) {
                Optional<PayoutIntent> intent = intents.get(t.id());
                txHash = intent.map(PayoutIntent::txHash).orElse(null);
                strategy = intent.map(PayoutIntent::strategy).orElse(null);
                if (tickets != null) {
                    Optional<PayoutTickets.StoredTicket> ticket = tickets.ticket(t.id());
                    ticketHash =
                            ticket.map(PayoutTickets.StoredTicket::ticketHash).orElse(null);
                    ticketOutcome = ticket.map(k -> k.outcome().name().toLowerCase(Locale.ROOT))
                            .orElse(null);
                }
            }
            lines.add(new Line(
                    t.createdAt(),
                    type,
                    t.id(),
                    t.kind().name(),
                    credit ? amount : amount.negate(),
                    txHash,
                    strategy,
                    ticketHash,
                    ticketOutcome));
        }
        return new PayoutStatement(orchestratorId, month, lines);
    }

    /** Sum of the credits, wei. */
    public BigInteger creditsWei() {
        return sum("credit");
    }

    /** Sum of the payouts, wei (positive). */
    public BigInteger payoutsWei() {
        return sum("payout").negate();
    }

    /** Sum of the other debits, wei (positive). */
    public BigInteger otherDebitsWei() {
        return sum("debit").negate();
    }

    /** The month's net change of the balance: credits − payouts − other debits, wei. */
    public BigInteger netWei() {
        return lines.stream().map(Line::amountWei).reduce(BigInteger.ZERO, BigInteger::add);
    }

    private BigInteger sum(String type) {
        return lines.stream()
                .filter(l -> l.type().equals(type))
                .map(Line::amountWei)
                .reduce(BigInteger.ZERO, BigInteger::add);
    }

    /**
     * The statement as CSV: header {@code time,type,transfer_id,kind,amount_wei,tx_hash,strategy,ticket_hash,
     * ticket_outcome}, one row per movement, then
     * the rows {@code total_credits}, {@code total_payouts}, {@code total_other_debits} and {@code net} (type column,
     * amount in {@code amount_wei}).
     */
    public String csv() {
        StringBuilder out = new StringBuilder(
                "time,type,transfer_id,kind,amount_wei,tx_hash,strategy,ticket_hash,ticket_outcome\n");
        for (Line l : lines) {
            out.append(l.at())
                    .append(',')
                    .append(l.type())
                    .append(',')
                    .append(field(l.transferId()))
                    .append(',')
                    .append(l.kind().toLowerCase(Locale.ROOT))
                    .append(',')
                    .append(l.amountWei())
                    .append(',')
                    .append(l.txHash() == null ? "" : l.txHash())
                    .append(',')
                    .append(l.strategy() == null ? "" : l.strategy())
                    .append(',')
                    .append(l.ticketHash() == null ? "" : l.ticketHash())
                    .append(',')
                    .append(l.ticketOutcome() == null ? "" : l.ticketOutcome())
                    .append('\n');
        }
        out.append(",total_credits,,,").append(creditsWei()).append(",,,,\n");
        out.append(",total_payouts,,,").append(payoutsWei()).append(",,,,\n");
        out.append(",total_other_debits,,,").append(otherDebitsWei()).append(",,,,\n");
        out.append(",net,,,").append(netWei()).append(",,,,\n");
        return out.toString();
    }

    private static String field(String value) {
        return value.contains(",") || value.contains("\"") || value.contains("\n")
                ? "\"" + value.replace("\"", "\"\"") + "\""
                : value;
    }
}
