package io.livepeer.clearinghouse.routes.orchestrators.sessions;

import io.livepeer.clearinghouse.ledger.earnings.Attribution;
import io.livepeer.clearinghouse.ledger.earnings.PowerMeter;
import io.livepeer.clearinghouse.ledger.earnings.SessionBilling;
import io.livepeer.clearinghouse.ledger.earnings.SessionEvent;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditMetrics;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditSettings;
import io.livepeer.clearinghouse.routes.orchestrators.credit.PowerStates;
import io.livepeer.clearinghouse.routes.orchestrators.credit.Registry;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One session event end to end (livepeer-ops {@code POST /api/sessions/events}): validate, attribute
 * ({@link Attribution}, then the session's own earlier orchestrator), gate the credit, and bill it
 * ({@link SessionBilling}). Credit needs a rate above 0, an attributed orchestrator that is eligible (not denylisted,
 * no cooldown, eligible for payments) and whose {@code /power} says {@code awake} (read through {@link PowerStates},
 * or the power meter's last reading when the meter is on); otherwise the event is stored and its segments are
 * recorded with the reason ({@code rate_zero}, {@code unattributed}, {@code not_eligible}, {@code not_awake}).
 */
public final class SessionCrediting {

    private final OrchestratorStore registry;
    private final SessionBilling billing;
    private final PowerStates power;
    private final PowerMeter meter;
    private final CreditSettings settings;
    private final CreditMetrics metrics;
    private final Clock clock;

    public SessionCrediting(
            OrchestratorStore registry,
            SessionBilling billing,
            PowerStates power,
            PowerMeter meter,
            CreditSettings settings,
            CreditMetrics metrics,
            Clock clock) {
        this.registry = registry;
        this.billing = billing;
        this.power = power;
        this.meter = meter;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * @throws io.livepeer.clearinghouse.ledger.credit.LedgerException.Invalid naming the field of a bad event
     */
    public SessionBilling.Applied handle(SessionEvent raw) throws SQLException {
        SessionEvent e = raw.validated();
        List<Orchestrator> all = registry.list();
        Optional<Attribution.Attributed> who = Attribution.resolve(
                e.orchestratorId(),
                e.upstreamAddr(),
                all.stream().map(Registry::addresses).toList(),
                billing.priorOrchestrator(e.upstreamAddr()));
        if (who.isEmpty()) {
            who = billing.find(e.sessionId())
                    .filter(s -> s.endedAt() == null && s.orchestratorId() != null)
                    .map(s -> new Attribution.Attributed(s.orchestratorId(), "session"));
        }
        SessionBilling.Decision decision = decide(e, who, all);
        SessionBilling.Applied applied =
                billing.apply(e, decision, settings.segment().toMillis());
        metrics.session(e.event(), applied, decision);
        return applied;
    }

    private SessionBilling.Decision decide(SessionEvent e, Optional<Attribution.Attributed> who, List<Orchestrator> all)
            throws SQLException {
        if (who.isEmpty()) {
            return new SessionBilling.Decision(null, null, null, "unattributed");
        }
        String id = who.get().orchestratorId();
        String rule = who.get().rule();
        Optional<Orchestrator> o =
                all.stream().filter(x -> x.orchestratorId().equals(id)).findFirst();
        if (o.isEmpty()) {
            return new SessionBilling.Decision(id, rule, null, "unregistered");
        }
        BigInteger rate = settings.sessionWeiPerMinute();
        if (rate.signum() == 0) {
            return new SessionBilling.Decision(id, rule, null, "rate_zero");
        }
        Instant now = clock.instant();
        if (!o.get().eligible(now)) {
            return new SessionBilling.Decision(id, rule, null, "not_eligible");
        }
        if (!awake(o.get(), e)) {
            return new SessionBilling.Decision(id, rule, null, "not_awake");
        }
        return new SessionBilling.Decision(id, rule, rate, null);
    }

    private boolean awake(Orchestrator o, SessionEvent e) throws SQLException {
        if (settings.powerMeter()) {
            return meter.state(o.orchestratorId())
                    .map(s -> "awake".equals(s.lastState()))
                    .orElse(false);
        }
        String host = Attribution.powerHost(Registry.addresses(o), e.upstreamAddr());
        return host != null && power.read(o.orchestratorId(), host).awake();
    }
}
