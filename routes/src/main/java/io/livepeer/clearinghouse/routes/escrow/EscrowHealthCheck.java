package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.ledger.escrow.SignerObservation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * The {@code escrow} check: names every monitored signer whose runway is below
 * {@code clearinghouse.escrow.runway-warn-hours} (UP with a WARNING message) or below
 * {@code runway-critical-hours} (DOWN: winning tickets are about to go unpaid and orchestrators stop accepting the
 * signer's tickets), and a signer not polled yet. Neither liveness nor readiness: restarting or taking the instance out
 * of rotation does not fund an escrow; the alerts EscrowRunwayLow and EscrowRunwayCritical page. Reads the
 * {@link EscrowMonitor}'s last refresh, never the database or the node.
 */
public final class EscrowHealthCheck extends AbstractHealthCheck {

    private final EscrowMonitor monitor;

    public EscrowHealthCheck(EscrowMonitor monitor) {
        super("clearinghouse", "escrow");
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
        EscrowSettings settings = monitor.settings();
        EscrowMonitor.Snapshot s = monitor.snapshot().orElse(null);
        if (s == null) {
            builder.message("not computed yet");
            return;
        }
        List<String> critical = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        List<String> unpolled = new ArrayList<>();
        for (String signer : settings.signers()) {
            SignerObservation o = s.polls().get(signer);
            if (o == null) {
                unpolled.add(signer);
                continue;
            }
            String line = signer + " runway " + o.runwayHours() + " h (deposit " + o.depositWei() + " wei, reserve "
                    + o.reserveWei() + " wei, burn " + o.burnWeiPerHour() + " wei/h)";
            switch (s.level(signer, settings).orElse(Runway.Level.OK)) {
                case CRITICAL -> critical.add(line);
                case WARNING -> warning.add(line);
                default -> {}
            }
        }
        builder.detail("signers", settings.signers().size());
        if (!unpolled.isEmpty()) {
            builder.detail("not_polled", String.join(", ", unpolled));
        }
        if (!critical.isEmpty()) {
            builder.detail("critical", String.join("; ", critical));
            builder.down();
            builder.message("CRITICAL: runway below " + settings.runwayCriticalHours() + " h: "
                    + String.join("; ", critical)
                    + (warning.isEmpty()
                            ? ""
                            : " | WARNING: below " + settings.runwayWarnHours() + " h: " + String.join("; ", warning)));
        } else if (!warning.isEmpty()) {
            builder.detail("warning", String.join("; ", warning));
            builder.message(
                    "WARNING: runway below " + settings.runwayWarnHours() + " h: " + String.join("; ", warning));
        } else if (settings.signers().isEmpty()) {
            builder.message("no signers monitored (clearinghouse.escrow.signers is empty)");
        } else {
            builder.message("every polled signer's runway is at least " + settings.runwayWarnHours() + " h"
                    + (unpolled.isEmpty() ? "" : "; not polled yet: " + String.join(", ", unpolled)));
        }
    }
}
