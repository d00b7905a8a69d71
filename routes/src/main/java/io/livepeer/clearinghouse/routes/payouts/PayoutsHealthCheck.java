package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * The {@code payouts} check: a warning, never DOWN (a stuck payout or an empty gas wallet is for an operator, not a
 * reason to restart or take the instance out of rotation; the alerts PayoutStuck and PayoutKeyCannotPayGas page).
 * Names every payout open longer than {@code clearinghouse.payouts.open-warning-after} (intent id, orchestrator,
 * state, age, transaction) and a payout key whose ETH balance cannot pay one transfer's gas at the current fee.
 * Reads the {@link PayoutMonitor}'s last refresh, never the database or the node.
 */
public final class PayoutsHealthCheck extends AbstractHealthCheck {

    private final PayoutMonitor monitor;

    public PayoutsHealthCheck(PayoutMonitor monitor) {
        super("clearinghouse", "payouts");
        this.monitor = monitor;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.up();
        PayoutMonitor.Snapshot s = monitor.snapshot().orElse(null);
        if (s == null) {
            builder.message("not computed yet");
            return;
        }
        s.byState().forEach((state, n) -> builder.detail(state.name().toLowerCase(java.util.Locale.ROOT), n));
        List<String> warnings = new ArrayList<>();
        if (!s.overdue().isEmpty()) {
            List<String> named = new ArrayList<>();
            for (PayoutIntent i : s.overdue()) {
                named.add(i.intentId() + " (" + i.orchestratorId() + ", " + i.state() + " for "
                        + Duration.between(i.createdAt(), s.at()).toMinutes() + " min"
                        + (i.txHash() == null ? "" : ", tx " + i.txHash()) + ")");
            }
            builder.detail("stuck_payouts", String.join("; ", named));
            warnings.add(s.overdue().size() + " payout(s) open for more than " + monitor.openWarningAfter() + ": "
                    + String.join("; ", named));
        }
        s.keyAddress().ifPresent(k -> builder.detail("payout_key", k));
        s.keyBalanceWei().ifPresent(b -> builder.detail("payout_key_balance_wei", b.toString()));
        if (s.keyCanPayGas().orElse(true) == Boolean.FALSE) {
            warnings.add("payout key " + s.keyAddress().orElse("?") + " cannot pay gas: balance "
                    + s.keyBalanceWei().orElseThrow() + " wei < "
                    + s.gasCostWei().orElseThrow()
                    + " wei for one transfer");
        }
        if (s.tickets().waitingForCoverage() > 0) {
            builder.detail("tickets_waiting_for_coverage", s.tickets().waitingForCoverage());
            warnings.add(s.tickets().waitingForCoverage() + " ticket payout(s) ("
                    + s.tickets().waitingFaceValueWei()
                    + " wei) wait: the payout key's TicketBroker deposit + reserve"
                    + s.sender().map(i -> " (" + i.coverage() + " wei)").orElse("")
                    + " do not cover them; fund the deposit (escrow autofund)");
        }
        if (s.tickets().refused() > 0) {
            builder.detail("tickets_refused", s.tickets().refused());
        }
        if (warnings.isEmpty()) {
            builder.message("no stuck payouts" + (s.keyCanPayGas().isPresent() ? ", the payout key can pay gas" : ""));
        } else {
            builder.detail("warning", String.join(" | ", warnings));
            builder.message("WARNING: " + String.join(" | ", warnings));
        }
    }
}
