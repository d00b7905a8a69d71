package io.livepeer.clearinghouse.routes.escrow;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.livepeer.clearinghouse.ledger.escrow.EscrowSigners;
import io.livepeer.clearinghouse.ledger.escrow.Funding;
import io.livepeer.clearinghouse.ledger.escrow.FundingPurpose;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import io.livepeer.clearinghouse.ledger.escrow.SignerObservation;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /api/escrow} (viewer or admin token): per monitored signer its last poll (deposit, reserve, burn,
 * runway, level, decision) and its latest top-ups, plus the payout key's latest deposit autofunds. Amounts are wei as
 * decimal strings; a null runway is infinite (nothing spent in the burn window).
 */
public final class EscrowApiRoutes extends ApiRouteBuilder {

    /** Fundings listed per signer and for the payout key. */
    static final int RECENT = 20;

    /**
     * One funding transaction.
     *
     * @param id funding id
     * @param purpose {@code signer_topup} or {@code payout_deposit}
     * @param beneficiary whose deposit it funds
     * @param depositWei to the deposit
     * @param reserveWei to the reserve
     * @param valueWei transaction value
     * @param fundingDay UTC day of the cap it counts against
     * @param fromAddress sending key
     * @param nonce its nonce
     * @param txHash its current transaction's hash (the mined one's once confirmed or failed)
     * @param replacements fee-bumped replacements signed for it (same nonce)
     * @param state {@code signed}, {@code broadcast}, {@code confirmed} or {@code failed}
     * @param blockNumber block of its receipt
     * @param lastError last broadcast error or failure reason
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record FundingView(
            String id,
            String purpose,
            String beneficiary,
            String depositWei,
            String reserveWei,
            String valueWei,
            String fundingDay,
            String fromAddress,
            String nonce,
            String txHash,
            int replacements,
            String state,
            Long blockNumber,
            String lastError,
            Instant createdAt,
            Instant broadcastAt,
            Instant confirmedAt) {

        static FundingView of(Funding f) {
            return new FundingView(
                    f.fundingId(),
                    f.purpose().name().toLowerCase(Locale.ROOT),
                    f.beneficiary(),
                    f.depositWei().toString(),
                    f.reserveWei().toString(),
                    f.valueWei().toString(),
                    f.fundingDay().toString(),
                    f.fromAddress(),
                    f.nonce().toString(),
                    f.txHash(),
                    f.replacements(),
                    f.state().name().toLowerCase(Locale.ROOT),
                    f.blockNumber(),
                    f.lastError(),
                    f.createdAt(),
                    f.broadcastAt(),
                    f.confirmedAt());
        }
    }

    /**
     * One monitored signer. Poll fields are null before its first poll.
     *
     * @param signer address
     * @param level {@code ok}, {@code warning}, {@code critical}, or {@code unknown} before the first poll
     * @param runwayHours hours (2 decimals, rounded down); null = infinite or not polled
     * @param lastDecision what the top-up step decided at the last poll
     * @param topups latest top-ups, newest first
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record SignerView(
            String signer,
            String level,
            String depositWei,
            String reserveWei,
            String withdrawRound,
            String burnWeiPerHour,
            BigDecimal runwayHours,
            Instant lastPoll,
            String lastDecision,
            List<FundingView> topups) {}

    /**
     * The response.
     *
     * @param runwayWarnHours warning threshold
     * @param runwayCriticalHours critical threshold
     * @param dryRun whether fundings are only decided, never sent
     * @param topupEnabled whether signers are topped up
     * @param autofundEnabled whether the payout key's deposit is kept funded
     * @param signers the monitored signers
     * @param payoutDeposit the payout key's latest autofunds, newest first
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record EscrowView(
            int runwayWarnHours,
            int runwayCriticalHours,
            boolean dryRun,
            boolean topupEnabled,
            boolean autofundEnabled,
            List<SignerView> signers,
            List<FundingView> payoutDeposit) {}

    private final EscrowSettings settings;
    private final EscrowSigners signers;
    private final Fundings fundings;

    public EscrowApiRoutes(EscrowSettings settings, EscrowSigners signers, Fundings fundings, ApiAuth auth) {
        super(auth);
        this.settings = settings;
        this.signers = signers;
        this.fundings = fundings;
    }

    @Override
    public void configure() {
        rest("/api/escrow")
                .description("The remote signers' TicketBroker escrow and its funding (viewer or admin token)")
                .get()
                .id("api-escrow")
                .description("Per monitored signer: deposit, reserve, burn, runway, last poll and top-ups")
                .outType(EscrowView.class)
                .to(direct("api-escrow"));
        api("api-escrow", Role.VIEWER).process(e -> ApiSupport.respond(e, 200, view()));
    }

    EscrowView view() throws java.sql.SQLException {
        Map<String, SignerObservation> polls =
                signers.all().stream().collect(Collectors.toMap(SignerObservation::signer, Function.identity()));
        List<SignerView> views = new java.util.ArrayList<>();
        for (String signer : settings.signers()) {
            SignerObservation o = polls.get(signer);
            List<FundingView> topups = fundings.recent(FundingPurpose.SIGNER_TOPUP, signer, RECENT).stream()
                    .map(FundingView::of)
                    .toList();
            if (o == null) {
                views.add(new SignerView(signer, "unknown", null, null, null, null, null, null, null, topups));
                continue;
            }
            Runway runway = new Runway(
                    o.depositWei().add(o.reserveWei()), o.burnWeiPerHour(), Optional.ofNullable(o.runwayHours()));
            views.add(new SignerView(
                    signer,
                    runway.level(settings.runwayWarnHours(), settings.runwayCriticalHours())
                            .name()
                            .toLowerCase(Locale.ROOT),
                    o.depositWei().toString(),
                    o.reserveWei().toString(),
                    o.withdrawRound().toString(),
                    o.burnWeiPerHour().toString(),
                    o.runwayHours(),
                    o.polledAt(),
                    o.lastDecision(),
                    topups));
        }
        List<FundingView> payout = fundings.recent(FundingPurpose.PAYOUT_DEPOSIT, null, RECENT).stream()
                .map(FundingView::of)
                .toList();
        return new EscrowView(
                settings.runwayWarnHours(),
                settings.runwayCriticalHours(),
                settings.dryRun(),
                settings.topUpEnabled(),
                settings.autofundEnabled(),
                views,
                payout);
    }
}
