package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import java.math.BigInteger;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Plans payouts the livepeer-ops way ({@code payments/processor.py _evaluate_orchestrator}): every registered
 * orchestrator with a payout address, not denylisted, whose balance is at least the threshold, is paid its whole
 * balance at that moment; credits that arrive later stay for the next cycle. One without an address, denylisted,
 * below the threshold, or with a payout still open is skipped with that reason; with {@code livepeer_ticket}, so is
 * a recipient that is not a registered transcoder ({@code not_registered_transcoder}).
 */
public final class PayoutPlanner {

    /** The plan an operator approved is no longer the plan: nothing was executed. */
    public static final class PlanChanged extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PlanChanged(String message) {
            super(message);
        }
    }

    /**
     * Checks a {@code livepeer_ticket} recipient before it is planned: a ticket only pays a registered transcoder
     * (BondingManager {@code isRegisteredTranscoder}), so any other recipient is skipped up front.
     */
    @FunctionalInterface
    public interface RecipientCheck {
        /** The skip reason (e.g. {@code not_registered_transcoder}), or empty when {@code address} can be paid. */
        Optional<String> refuse(String address);

        /** Accepts every recipient (no chain to ask). */
        RecipientCheck NONE = address -> Optional.empty();
    }

    private final OrchestratorStore orchestrators;
    private final PayoutIntents intents;
    private final BigInteger thresholdWei;
    private final String strategy;
    private final RecipientCheck recipients;

    /**
     * A planner without a recipient check.
     *
     * @param thresholdWei smallest balance paid out, wei (livepeer-ops default 0.001 ETH = 10^15 wei)
     * @param strategy {@code eth_transfer} or {@code livepeer_ticket}
     */
    public PayoutPlanner(
            OrchestratorStore orchestrators, PayoutIntents intents, BigInteger thresholdWei, String strategy) {
        this(orchestrators, intents, thresholdWei, strategy, RecipientCheck.NONE);
    }

    /**
     * @param thresholdWei smallest balance paid out, wei (livepeer-ops default 0.001 ETH = 10^15 wei)
     * @param strategy {@code eth_transfer} or {@code livepeer_ticket}
     * @param recipients asked about every {@code livepeer_ticket} recipient that would be paid
     */
    public PayoutPlanner(
            OrchestratorStore orchestrators,
            PayoutIntents intents,
            BigInteger thresholdWei,
            String strategy,
            RecipientCheck recipients) {
        this.orchestrators = Objects.requireNonNull(orchestrators, "orchestrators");
        this.intents = Objects.requireNonNull(intents, "intents");
        if (thresholdWei == null || thresholdWei.signum() <= 0) {
            throw new IllegalArgumentException("threshold must be positive wei, got " + thresholdWei);
        }
        this.thresholdWei = thresholdWei;
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.recipients = Objects.requireNonNull(recipients, "recipients");
    }

    /** The plan for now; reads only. */
    public PayoutPlan plan() throws SQLException {
        Set<String> open = new HashSet<>();
        for (PayoutIntent intent : intents.open()) {
            open.add(intent.orchestratorId());
        }
        List<PayoutPlan.Entry> entries = new ArrayList<>();
        List<PayoutPlan.Skip> skipped = new ArrayList<>();
        for (Orchestrator o : orchestrators.list()) {
            BigInteger balance = orchestrators.balanceWei(o.orchestratorId());
            if (balance.signum() <= 0) {
                continue;
            }
            String reason = null;
            if (o.address() == null || o.address().isBlank()) {
                reason = "no_address";
            } else if (o.denylisted()) {
                reason = "denylisted";
            } else if (open.contains(o.orchestratorId())) {
                reason = "open_payout";
            } else if (balance.compareTo(thresholdWei) < 0) {
                reason = "below_threshold";
            } else if ("livepeer_ticket".equals(strategy)) {
                reason = recipients.refuse(o.address()).orElse(null);
            }
            if (reason != null) {
                skipped.add(new PayoutPlan.Skip(o.orchestratorId(), reason, balance));
            } else {
                entries.add(new PayoutPlan.Entry(
                        o.orchestratorId(), o.address().toLowerCase(Locale.ROOT), balance, strategy));
            }
        }
        return new PayoutPlan(entries, skipped);
    }

    /**
     * Recomputes the plan and, only if its hash is {@code approvedHash}, records one PLANNED intent per entry.
     *
     * @return the intents created
     * @throws PlanChanged when the plan changed since it was approved (balances moved, a payout opened...)
     */
    public List<PayoutIntent> approve(String approvedHash) throws SQLException {
        PayoutPlan plan = plan();
        String hash = plan.hash();
        if (!hash.equals(approvedHash)) {
            throw new PlanChanged("the plan changed since it was approved: approved " + approvedHash + ", now " + hash
                    + "; run `payouts plan` again");
        }
        List<PayoutIntent> created = new ArrayList<>();
        for (PayoutPlan.Entry e : plan.entries()) {
            created.add(intents.plan(
                    UUID.randomUUID().toString(), e.orchestratorId(), e.address(), e.amountWei(), e.strategy(), hash));
        }
        return created;
    }
}
