package io.livepeer.clearinghouse.routes.payouts;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * Read-only payout records for operators and orchestrators' support (viewer or admin token):
 * {@code GET /api/payouts} (filters {@code state}, {@code orchestrator}) and
 * {@code GET /api/orchestrators/{id}/payouts}, newest first, paged with {@code limit} and {@code cursor}. Amounts are
 * wei as decimal strings; states lower case. The orchestrator registry's own API lives in the orchestrators flow;
 * this route only adds the payouts below it.
 */
public final class PayoutsApiRoutes extends ApiRouteBuilder {

    /**
     * One payout intent (docs/payouts.md). Fields after {@code planHash} are null until it is signed, broadcast or
     * confirmed.
     *
     * @param id intent id; also the id of its ledger debit ({@code SETTLEMENT}) once confirmed
     * @param orchestratorId whose {@code orchestrator:<id>} balance it pays
     * @param recipient payout address
     * @param amountWei amount, wei
     * @param strategy {@code eth_transfer} or {@code livepeer_ticket}
     * @param state {@code planned}, {@code signed}, {@code broadcast}, {@code confirmed} or {@code failed}
     * @param planHash the approved plan it belongs to
     * @param chainId chain id of its transaction
     * @param fromAddress paying key
     * @param nonce its transactions' nonce
     * @param txHash latest attempt; once confirmed, the transaction mined
     * @param blockNumber block of the confirmed receipt
     * @param blockHash hash of that block
     * @param replacements fee-bumped replacements so far
     * @param failureReason why it failed
     * @param ticket the {@code livepeer_ticket} payout's ticket, else null
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record PayoutView(
            String id,
            String orchestratorId,
            String recipient,
            String amountWei,
            String strategy,
            String state,
            String planHash,
            Long chainId,
            String fromAddress,
            String nonce,
            String txHash,
            Long blockNumber,
            String blockHash,
            int replacements,
            String failureReason,
            Instant createdAt,
            Instant updatedAt,
            Instant broadcastAt,
            Instant confirmedAt,
            TicketView ticket) {

        static PayoutView of(PayoutIntent i, PayoutTickets.StoredTicket t) {
            return new PayoutView(
                    i.intentId(),
                    i.orchestratorId(),
                    i.recipient(),
                    i.amountWei().toString(),
                    i.strategy(),
                    i.state().name().toLowerCase(Locale.ROOT),
                    i.planHash(),
                    i.chainId(),
                    i.fromAddress(),
                    i.nonce() == null ? null : i.nonce().toString(),
                    i.txHash(),
                    i.blockNumber(),
                    i.blockHash(),
                    i.replacements(),
                    i.failureReason(),
                    i.createdAt(),
                    i.updatedAt(),
                    i.broadcastAt(),
                    i.confirmedAt(),
                    t == null ? null : TicketView.of(t));
        }
    }

    /**
     * The ticket of a {@code livepeer_ticket} payout (docs/payouts.md).
     *
     * @param hash TicketBroker ticket hash (the same on every retry)
     * @param faceValueWei face value, wei (the payout's amount)
     * @param creationRound round it was created in (its auxData)
     * @param outcome {@code pending}, {@code redeemed} (its own WinningTicketRedeemed log), {@code refused} (pre-check
     *     failed before sending) or {@code failed} (sent, not redeemed, no longer redeemable)
     * @param outcomeReason why refused or failed, or the transaction that redeemed it
     * @param waitingReason why a pending ticket waits ({@code waiting_for_coverage: …}, {@code waiting_for_gas_share:
     *     …}, {@code retry: …}, {@code held: …}), else null
     * @param batchId the redemption batch it is (or was last) part of
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TicketView(
            String hash,
            String faceValueWei,
            String creationRound,
            String outcome,
            String outcomeReason,
            String waitingReason,
            String batchId) {

        static TicketView of(PayoutTickets.StoredTicket t) {
            return new TicketView(
                    t.ticketHash(),
                    t.faceValueWei().toString(),
                    t.creationRound().toString(),
                    t.outcome().name().toLowerCase(Locale.ROOT),
                    t.outcomeReason(),
                    t.waitingReason(),
                    t.batchId());
        }
    }

    /**
     * A page of payouts.
     *
     * @param payouts newest first
     * @param nextCursor pass as {@code cursor} for the next page; null on the last page
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record PayoutPage(List<PayoutView> payouts, String nextCursor) {}

    private final PayoutIntents intents;
    private final PayoutTickets tickets;
    private final OrchestratorStore orchestrators;

    /** The routes over {@code intents} and their {@code tickets}, authorised by {@code auth}. */
    public PayoutsApiRoutes(
            PayoutIntents intents, PayoutTickets tickets, OrchestratorStore orchestrators, ApiAuth auth) {
        super(auth);
        this.intents = intents;
        this.tickets = tickets;
        this.orchestrators = orchestrators;
    }

    @Override
    public void configure() {
        String states = "planned,signed,broadcast,confirmed,failed";
        rest("/api/payouts")
                .description("On-chain payouts of orchestrator earnings (viewer or admin token)")
                .get()
                .id("api-payouts")
                .description("Payout intents, newest first")
                .param(query("state", "string", "only this state").allowableValues(states))
                .param(query("orchestrator", "string", "only this orchestrator's"))
                .param(limit())
                .param(cursor())
                .outType(PayoutPage.class)
                .to(direct("api-payouts"));
        rest("/api/orchestrators")
                .description("Orchestrators (viewer or admin token)")
                .get("/{id}/payouts")
                .id("api-orchestrator-payouts")
                .description("One orchestrator's payouts, newest first")
                .param(query("state", "string", "only this state").allowableValues(states))
                .param(limit())
                .param(cursor())
                .outType(PayoutPage.class)
                .responseMessage(problem(404, "no such orchestrator"))
                .to(direct("api-orchestrator-payouts"));

        api("api-payouts", Role.VIEWER).process(e -> page(e, ApiSupport.query(e, "orchestrator")));
        api("api-orchestrator-payouts", Role.VIEWER).process(e -> {
            String id = e.getMessage().getHeader("id", String.class);
            if (orchestrators.find(id).isEmpty()) {
                throw new LedgerException.NotFound("id", "no orchestrator " + id);
            }
            page(e, id);
        });
    }

    private void page(Exchange exchange, String orchestratorId) throws SQLException {
        PayoutState state = ApiSupport.enumValue(exchange, "state", PayoutState.class);
        int limit = ApiSupport.limit(exchange);
        Long cursor = ApiSupport.cursor(exchange);
        long offset = cursor == null ? 0 : cursor;
        if (offset > Integer.MAX_VALUE) {
            throw new ApiSupport.BadRequest("cursor", "cursor must be the next_cursor of a previous page");
        }
        List<PayoutIntent> page = intents.list(state, orchestratorId, (int) offset, limit);
        Map<String, PayoutTickets.StoredTicket> ticketsOf = tickets.tickets(page.stream()
                .filter(i -> "livepeer_ticket".equals(i.strategy()))
                .map(PayoutIntent::intentId)
                .toList());
        ApiSupport.respond(
                exchange,
                200,
                new PayoutPage(
                        page.stream()
                                .map(i -> PayoutView.of(i, ticketsOf.get(i.intentId())))
                                .toList(),
                        ApiSupport.nextOffsetCursor(page, limit, offset)));
    }
}
