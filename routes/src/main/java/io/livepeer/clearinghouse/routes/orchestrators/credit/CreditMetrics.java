package io.livepeer.clearinghouse.routes.orchestrators.credit;

import io.livepeer.clearinghouse.ledger.earnings.SessionBilling;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigInteger;

/**
 * Prometheus metrics of crediting and autosleep (on {@code /observe/metrics}). Wei totals are observations for
 * dashboards (Prometheus values are doubles); the exact amounts are ledger transfers.
 *
 * <ul>
 *   <li>{@code clearinghouse_orchestrator_session_events_total{event, outcome}}: session events, outcome
 *       {@code credited}, {@code no_segment} (nothing closed yet), {@code duplicate} (a repeated end, a late heartbeat),
 *       {@code fraction_carried} (segments too short for a whole wei yet)
 *       or the reason nothing was credited ({@code rate_zero}, {@code unattributed}, {@code not_eligible},
 *       {@code not_awake}, {@code unregistered})</li>
 *   <li>{@code clearinghouse_orchestrator_credited_wei_total{reason}}: wei credited, by {@code session_time},
 *       {@code workload_time}, {@code power_time}</li>
 *   <li>{@code clearinghouse_autosleep_decisions_total{decision, reason}}: every autosleep decision</li>
 *   <li>{@code clearinghouse_autosleep_sleeps_total}: sleep requests the host accepted</li>
 *   <li>{@code clearinghouse_autosleep_failures_total}: sleep requests that failed (and unreachable hosts)</li>
 * </ul>
 */
public final class CreditMetrics {

    private final MeterRegistry registry;
    private final Counter sleeps;
    private final Counter failures;

    public CreditMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sleeps = Counter.builder("clearinghouse_autosleep_sleeps")
                .description("Sleep requests an orchestrator host accepted")
                .register(registry);
        this.failures = Counter.builder("clearinghouse_autosleep_failures")
                .description("Autosleep requests that failed: sleep refused or the power API unreachable")
                .register(registry);
        for (String reason : new String[] {"session_time", "workload_time", "power_time"}) {
            credited(reason, BigInteger.ZERO);
        }
    }

    /** Counts one session event. */
    public void session(String event, SessionBilling.Applied applied, SessionBilling.Decision decision) {
        BigInteger wei = applied.segments().stream()
                .map(SessionBilling.SegmentRow::creditedWei)
                .reduce(BigInteger.ZERO, BigInteger::add);
        String outcome = applied.duplicate()
                ? "duplicate"
                : applied.segments().isEmpty()
                        ? "no_segment"
                        : wei.signum() > 0
                                ? "credited"
                                : decision.notCredited() != null ? decision.notCredited() : "fraction_carried";
        Counter.builder("clearinghouse_orchestrator_session_events")
                .description("Session events by outcome")
                .tag("event", event)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
        credited("session_time", wei);
    }

    /** Adds wei credited for a reason. */
    public void credited(String reason, BigInteger wei) {
        Counter.builder("clearinghouse_orchestrator_credited_wei")
                .description("Wei credited to orchestrators (approximate: Prometheus doubles)")
                .tag("reason", reason)
                .register(registry)
                .increment(wei.doubleValue());
    }

    /** Counts an autosleep decision. */
    public void decision(String decision, String reason) {
        Counter.builder("clearinghouse_autosleep_decisions")
                .description("Autosleep decisions by decision and reason")
                .tag("decision", decision)
                .tag("reason", reason)
                .register(registry)
                .increment();
        if (decision.equals("slept")) {
            sleeps.increment();
        } else if (decision.equals("failed")) {
            failures.increment();
        }
    }
}
