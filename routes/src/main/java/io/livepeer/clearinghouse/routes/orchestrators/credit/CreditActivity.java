package io.livepeer.clearinghouse.routes.orchestrators.credit;

import io.livepeer.clearinghouse.ledger.earnings.ActivityLeases;
import io.livepeer.clearinghouse.ledger.earnings.Autosleep;
import io.livepeer.clearinghouse.ledger.earnings.SessionBilling;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorActivity;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.AutosleepDecisionView;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.LeaseView;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.SessionView;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an orchestrator is doing, for {@code GET /api/orchestrators[/{id}]} (the registry's
 * {@link OrchestratorActivity} hook): counts of active sessions (not ended, seen within the idle timeout) and
 * active leases, and in {@code activity}: {@code sessions} and {@code leases} (the active ones, at most
 * {@value #SHOWN} each), {@code last_activity_at} and {@code autosleep} (the latest {@value #DECISIONS} decisions,
 * newest first).
 */
public final class CreditActivity implements OrchestratorActivity {

    /** Active sessions and leases listed per orchestrator. */
    public static final int SHOWN = 20;
    /** Autosleep decisions listed per orchestrator. */
    public static final int DECISIONS = 10;

    private final SessionBilling sessions;
    private final ActivityLeases leases;
    private final Autosleep autosleep;
    private final Duration idle;

    public CreditActivity(SessionBilling sessions, ActivityLeases leases, Autosleep autosleep, Duration idle) {
        this.sessions = sessions;
        this.leases = leases;
        this.autosleep = autosleep;
        this.idle = idle;
    }

    @Override
    public Activity of(String orchestratorId, Instant now) throws Exception {
        Autosleep.Activity a = autosleep.activity(orchestratorId, idle);
        Map<String, Object> details = new LinkedHashMap<>();
        List<SessionView> active = sessions.list(orchestratorId, true, idle, 0, SHOWN).stream()
                .map(s -> SessionView.of(s, true, null))
                .toList();
        details.put("sessions", active);
        details.put(
                "leases",
                leases.list(orchestratorId, true, 0, SHOWN).stream()
                        .map(l -> LeaseView.of(l, now))
                        .toList());
        details.put("last_activity_at", a.lastActivity());
        details.put(
                "autosleep",
                autosleep.recent(orchestratorId, DECISIONS).stream()
                        .map(AutosleepDecisionView::of)
                        .toList());
        return new Activity(a.activeSessions(), a.activeLeases(), a.lastActivity(), details);
    }
}
