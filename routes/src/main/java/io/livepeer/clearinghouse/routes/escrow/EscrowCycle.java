package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SenderInfo;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.ledger.escrow.EscrowSigners;
import io.livepeer.clearinghouse.ledger.escrow.Funding;
import io.livepeer.clearinghouse.ledger.escrow.FundingPurpose;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import io.livepeer.clearinghouse.ledger.escrow.SignerObservation;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the clustered {@code escrow-cycle} job (docs/escrow.md): (1) reconcile open fundings (confirm or fail what is mined, replace what is stuck with
 * a fee bump under the cap, re-broadcast the rest: {@link EscrowFunder}); (2) for each
 * monitored signer, read {@code getSenderInfo}, compute the {@link Runway} from metered {@code fee_wei}, store the poll,
 * and, with top-up on, fund a signer below {@code topup.below-hours} up to {@code topup.target-hours} from the treasury
 * key (capped per day); (3) with autofund on, fund the payout key's deposit from below the low watermark up to the
 * target (capped per day). A funding waits while an earlier one for the same beneficiary is open. In dry run nothing
 * is signed: the decision is logged and stored with the poll.
 */
public final class EscrowCycle {

    /**
     * What a cycle did.
     *
     * @param observations the polls stored, one per signer
     * @param fundings fundings created or moved on this cycle
     * @param autofundDecision what autofund decided (empty when off)
     */
    public record Report(
            List<SignerObservation> observations, List<Funding> fundings, Optional<String> autofundDecision) {}

    private static final Logger LOG = LoggerFactory.getLogger(EscrowCycle.class);

    private final EscrowSettings settings;
    private final EscrowSigners signers;
    private final Fundings fundings;
    private final EscrowChain chain;
    private final Optional<PayoutKey> treasury;
    private final Optional<PayoutKey> payoutKey;
    private final Function<TicketBroker, EscrowFunder> funders;
    private final Clock clock;

    /**
     * @param funders builds the funder on the connected broker (tests wrap it to simulate crashes)
     */
    public EscrowCycle(
            EscrowSettings settings,
            EscrowSigners signers,
            Fundings fundings,
            EscrowChain chain,
            Optional<PayoutKey> treasury,
            Optional<PayoutKey> payoutKey,
            Function<TicketBroker, EscrowFunder> funders,
            Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.signers = Objects.requireNonNull(signers, "signers");
        this.fundings = Objects.requireNonNull(fundings, "fundings");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.treasury = Objects.requireNonNull(treasury, "treasury");
        this.payoutKey = Objects.requireNonNull(payoutKey, "payoutKey");
        this.funders = Objects.requireNonNull(funders, "funders");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The default funder for {@code settings}. */
    public static Function<TicketBroker, EscrowFunder> defaultFunders(
            EscrowSettings settings, Fundings fundings, EscrowChain chain, Clock clock) {
        return broker -> new EscrowFunder(
                fundings, chain.chain().orElseThrow(), broker, EscrowFunder.Options.of(settings), clock);
    }

    /**
     * Runs the cycle.
     *
     * @return what it did; empty observations when no RPC URL is configured
     * @throws io.livepeer.clearinghouse.contracts.ChainException when the node cannot be read (the job logs it and
     *     runs again next period)
     */
    public Report run() throws SQLException {
        Optional<TicketBroker> maybeBroker = chain.broker();
        if (maybeBroker.isEmpty()) {
            LOG.debug("Escrow: no clearinghouse.escrow.rpc-url, nothing polled");
            return new Report(List.of(), List.of(), Optional.empty());
        }
        TicketBroker broker = maybeBroker.get();
        EscrowFunder funder = funders.apply(broker);
        List<PayoutKey> keys = new ArrayList<>();
        treasury.ifPresent(keys::add);
        payoutKey.ifPresent(keys::add);
        List<Funding> moved = new ArrayList<>(funder.reconcile(keys));
        Instant now = clock.instant();
        EscrowSigners.Spend spend = signers.spend(now.minus(settings.burnWindow()), now);
        List<SignerObservation> observations = new ArrayList<>();
        for (String signer : settings.signers()) {
            SenderInfo info = broker.senderInfo(signer);
            BigInteger spent = spend.of(signer);
            if (settings.signers().size() == 1) {
                // one signer: events without a payer address (signers before go-livepeer v0.9.3) are its own
                spent = spent.add(spend.unattributed());
            }
            Runway runway = Runway.of(info.deposit(), info.reserveFundsRemaining(), spent, settings.burnWindow());
            String decision = topUp(funder, signer, info, runway, spent, moved);
            SignerObservation o = new SignerObservation(
                    signer,
                    info.deposit(),
                    info.reserveFundsRemaining(),
                    info.withdrawRound(),
                    runway.burnWeiPerHour(),
                    runway.hours().orElse(null),
                    decision,
                    now);
            signers.save(o);
            observations.add(o);
            Runway.Level level = runway.level(settings.runwayWarnHours(), settings.runwayCriticalHours());
            if (level != Runway.Level.OK) {
                LOG.warn(
                        "Escrow of signer {}: runway {} h ({}), deposit {} wei, reserve {} wei, burn {} wei/h; {}",
                        signer,
                        runway.hours().map(Object::toString).orElse("infinite"),
                        level,
                        info.deposit(),
                        info.reserveFundsRemaining(),
                        runway.burnWeiPerHour(),
                        decision);
            }
        }
        Optional<String> autofund =
                settings.autofundEnabled() ? Optional.of(autofund(funder, broker, moved)) : Optional.empty();
        return new Report(observations, moved, autofund);
    }

    private String topUp(
            EscrowFunder funder, String signer, SenderInfo info, Runway runway, BigInteger spent, List<Funding> moved)
            throws SQLException {
        if (!settings.topUpEnabled()) {
            return "top-up off";
        }
        if (!runway.below(settings.topUpBelowHours())) {
            return "no top-up needed (runway not below " + settings.topUpBelowHours() + " h)";
        }
        Optional<Funding> open = fundings.openFor(FundingPurpose.SIGNER_TOPUP, signer);
        if (open.isPresent()) {
            return "top-up " + open.get().fundingId() + " still " + open.get().state() + " (tx "
                    + open.get().txHash() + ")";
        }
        BigInteger capLeft =
                settings.topUpDailyCapWei().subtract(fundings.countedToday(FundingPurpose.SIGNER_TOPUP, signer));
        TopUpAmounts amounts = TopUpAmounts.of(
                info.deposit(),
                info.reserveFundsRemaining(),
                Runway.coverageFor(spent, settings.burnWindow(), settings.topUpTargetHours()),
                settings.topUpReserveTargetWei(),
                capLeft);
        if (amounts.totalWei().signum() == 0) {
            return amounts.capped()
                    ? "daily top-up cap of " + settings.topUpDailyCapWei() + " wei reached"
                    : "nothing to add";
        }
        String what = "deposit " + amounts.depositWei() + " wei + reserve " + amounts.reserveWei() + " wei"
                + (amounts.capped() ? " (cut to the daily cap)" : "");
        if (settings.dryRun()) {
            LOG.info("Escrow (dry run): would top up signer {} with {}", signer, what);
            return "dry run: would top up " + what;
        }
        if (treasury.isEmpty()) {
            return "top-up needed (" + what + ") but no treasury key is configured";
        }
        try {
            Funding f = funder.fund(
                    FundingPurpose.SIGNER_TOPUP,
                    signer,
                    amounts.depositWei(),
                    amounts.reserveWei(),
                    treasury.get(),
                    settings.topUpDailyCapWei());
            moved.add(f);
            return "top-up " + f.fundingId() + " " + f.state() + ": " + what + " (tx " + f.txHash() + ")";
        } catch (Fundings.CapReached e) {
            return e.getMessage();
        } catch (ChainException e) {
            LOG.warn("Escrow: top-up of signer {} not sent: {}", signer, e.getMessage());
            return "top-up of " + what + " not sent: " + e.getMessage();
        }
    }

    private String autofund(EscrowFunder funder, TicketBroker broker, List<Funding> moved) throws SQLException {
        if (payoutKey.isEmpty()) {
            return "autofund on but no payout key is configured";
        }
        String key = payoutKey.get().address();
        BigInteger deposit = broker.senderInfo(key).deposit();
        if (deposit.compareTo(settings.autofundLowWatermarkWei()) >= 0) {
            return "payout key deposit " + deposit + " wei is not below the low watermark";
        }
        Optional<Funding> open = fundings.openFor(FundingPurpose.PAYOUT_DEPOSIT, key);
        if (open.isPresent()) {
            return "autofund " + open.get().fundingId() + " still " + open.get().state();
        }
        BigInteger capLeft = settings.autofundDailyCapWei()
                .subtract(fundings.countedToday(FundingPurpose.PAYOUT_DEPOSIT, key))
                .max(BigInteger.ZERO);
        BigInteger wanted = settings.autofundTargetWei().subtract(deposit);
        BigInteger amount = wanted.min(capLeft);
        if (amount.signum() == 0) {
            LOG.warn(
                    "Escrow autofund: payout key {} deposit {} wei is below the watermark, daily cap reached",
                    key,
                    deposit);
            return "daily autofund cap of " + settings.autofundDailyCapWei() + " wei reached";
        }
        String what = amount + " wei" + (amount.equals(wanted) ? "" : " (cut to the daily cap)");
        if (settings.dryRun()) {
            LOG.info("Escrow (dry run): would fund the payout key's deposit with {}", what);
            return "dry run: would fund the payout key's deposit with " + what;
        }
        try {
            Funding f = funder.fund(
                    FundingPurpose.PAYOUT_DEPOSIT,
                    key,
                    amount,
                    BigInteger.ZERO,
                    payoutKey.get(),
                    settings.autofundDailyCapWei());
            moved.add(f);
            return "autofund " + f.fundingId() + " " + f.state() + ": " + what;
        } catch (Fundings.CapReached e) {
            return e.getMessage();
        } catch (ChainException e) {
            LOG.warn("Escrow: autofund of the payout key not sent: {}", e.getMessage());
            return "autofund of " + what + " not sent: " + e.getMessage();
        }
    }
}
