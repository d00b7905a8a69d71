package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One payout cycle, run by the clustered {@code payouts-cycle} job (one instance per fire across the cluster) the
 * livepeer-ops way ({@code payments/processor.py evaluate_once}), but safe by default:
 *
 * <ul>
 *   <li><b>Dry run</b> (the default, or unattended without a chain or key): computes the plan, logs it (one line per
 *       payout and per skip, then the total and the plan hash) and keeps it as {@link #lastRun()}; records no
 *       intent and sends nothing.
 *   <li><b>Unattended</b> ({@code clearinghouse.payouts.unattended=true}, a chain and a key): approves its own plan by
 *       its hash (a plan that changed between computing and approving is left for the next cycle), then moves every
 *       open intent forward once ({@link PayoutEngine#advanceAll()}, both strategies): a payout started by an earlier cycle,
 *       another instance or {@code payouts run} is carried on, never duplicated (one open payout per orchestrator).
 * </ul>
 *
 * A cycle that fails (database or node down) is logged and tried again on the next fire; nothing partial is left,
 * since every step is a database transaction on a durable intent.
 */
public final class PayoutCycle {

    private static final Logger LOG = LoggerFactory.getLogger(PayoutCycle.class);

    /** Supplies the engine when a chain and a key are configured and the chain can be reached. */
    @FunctionalInterface
    public interface EngineSource {
        /**
         * @return the engine, or empty (no chain or no key configured)
         * @throws ChainException when the configured chain cannot be reached now
         */
        Optional<PayoutEngine> engine();
    }

    /**
     * What a cycle did.
     *
     * @param at when it ran
     * @param plan the plan it computed
     * @param dryRun true when it sent nothing
     * @param reason why it was a dry run ({@code dry_run}, {@code no_chain_or_key}, {@code chain_unreachable}), or
     *     null when it paid
     * @param approved intents it recorded (empty in a dry run)
     */
    public record Run(Instant at, PayoutPlan plan, boolean dryRun, String reason, List<PayoutIntent> approved) {}

    private final PayoutPlanner planner;
    private final PayoutIntents intents;
    private final EngineSource engines;
    private final boolean unattended;
    private final Clock clock;
    private final AtomicReference<Run> last = new AtomicReference<>();
    private final AtomicLong runs = new AtomicLong();

    public PayoutCycle(
            PayoutPlanner planner, PayoutIntents intents, EngineSource engines, boolean unattended, Clock clock) {
        this.planner = Objects.requireNonNull(planner, "planner");
        this.intents = Objects.requireNonNull(intents, "intents");
        this.engines = Objects.requireNonNull(engines, "engines");
        this.unattended = unattended;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether cycles pay (else they only show the plan). */
    public boolean unattended() {
        return unattended;
    }

    /** The latest cycle run on this instance, if any. */
    public Optional<Run> lastRun() {
        return Optional.ofNullable(last.get());
    }

    /** Cycles run on this instance so far (finished or failed). */
    public long runs() {
        return runs.get();
    }

    /** The plan a cycle would act on now, without recording or sending anything. */
    public PayoutPlan preview() throws SQLException {
        return planner.plan();
    }

    /** Runs one cycle (see the class comment). */
    public Run run() throws SQLException {
        try {
            return cycle();
        } finally {
            runs.incrementAndGet();
        }
    }

    private Run cycle() throws SQLException {
        PayoutPlan plan = planner.plan();
        Instant now = clock.instant();
        if (!unattended) {
            return dry(now, plan, "dry_run");
        }
        Optional<PayoutEngine> engine;
        try {
            engine = engines.engine();
        } catch (ChainException e) {
            LOG.warn("payouts cycle: the chain cannot be reached ({}); nothing sent this cycle", e.getMessage());
            return dry(now, plan, "chain_unreachable");
        }
        if (engine.isEmpty()) {
            LOG.warn("payouts cycle: unattended, but no chain (ETH_RPC_URL) or no payout key is configured;"
                    + " dry run");
            return dry(now, plan, "no_chain_or_key");
        }
        List<PayoutIntent> approved = List.of();
        if (!plan.entries().isEmpty()) {
            try {
                approved = planner.approve(plan.hash());
                LOG.info(
                        "payouts cycle: approved plan {}: {} payout(s), {} wei",
                        plan.hash(),
                        approved.size(),
                        plan.totalWei());
            } catch (PayoutPlanner.PlanChanged | PayoutIntents.InvalidTransition e) {
                LOG.info("payouts cycle: the plan changed while approving ({}); next cycle", e.getMessage());
            }
        }
        engine.get().advanceAll();
        Run run = new Run(now, plan, false, null, approved);
        last.set(run);
        return run;
    }

    private Run dry(Instant now, PayoutPlan plan, String reason) {
        for (PayoutPlan.Entry e : plan.entries()) {
            LOG.info(
                    "payouts dry run: would pay {} wei to {} ({}, {})",
                    e.amountWei(),
                    e.orchestratorId(),
                    e.address(),
                    e.strategy());
        }
        for (PayoutPlan.Skip s : plan.skipped()) {
            LOG.info("payouts dry run: skip {} ({}, balance {} wei)", s.orchestratorId(), s.reason(), s.balanceWei());
        }
        LOG.info(
                "payouts dry run ({}): {} payout(s), {} wei in total, plan hash {}; nothing sent",
                reason,
                plan.entries().size(),
                plan.totalWei(),
                plan.hash());
        Run run = new Run(now, plan, true, reason, List.of());
        last.set(run);
        return run;
    }
}
