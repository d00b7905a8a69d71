package io.livepeer.clearinghouse.routes.orchestrators.autosleep;

import io.livepeer.clearinghouse.ledger.earnings.Attribution;
import io.livepeer.clearinghouse.ledger.earnings.Autosleep;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditMetrics;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditSettings;
import io.livepeer.clearinghouse.routes.orchestrators.credit.PowerClient;
import io.livepeer.clearinghouse.routes.orchestrators.credit.Registry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One autosleep pass (livepeer-ops {@code _autosleep_once}, {@code payments/api.py}), run by a clustered quartz job
 * so one instance acts per period. For each registered orchestrator: skip it when it is in use (an active session or
 * lease: {@code in_use}), when its last activity is younger than the idle time ({@code recently_active}) or when it
 * has no host ({@code no_host}); otherwise read {@code GET http://{host}:{port}/power} and only when it answers
 * {@code awake} post {@code {"action":"sleep","reason":"payments_autosleep"}} ({@code slept}, or {@code dry_run} with
 * the dry-run setting). A host that does not answer is {@code failed}/{@code power_unreachable}, a refused sleep
 * {@code failed}/{@code sleep_refused}; neither stops the pass. Hosts are asked concurrently (8 at a time).
 *
 * <p>Last activity is the latest session {@code last_seen_at} or lease {@code last_seen_at}; an orchestrator with no
 * activity at all is slept once awake (as the backend). Unlike the backend, registry contact ({@code last_seen}) is
 * not activity: here health polling refreshes it every cycle, which would keep every polled host awake.
 */
public final class AutosleepJob {

    /** The reason posted with the sleep action, as the backend. */
    public static final String REASON = "payments_autosleep";

    private static final Logger LOG = LoggerFactory.getLogger(AutosleepJob.class);

    private final OrchestratorStore registry;
    private final Autosleep store;
    private final PowerClient power;
    private final CreditSettings settings;
    private final CreditMetrics metrics;
    private final Clock clock;

    public AutosleepJob(
            OrchestratorStore registry,
            Autosleep store,
            PowerClient power,
            CreditSettings settings,
            CreditMetrics metrics,
            Clock clock) {
        this.registry = registry;
        this.store = store;
        this.power = power;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** A decision of this pass. */
    public record Outcome(String orchestratorId, String decision, String reason) {}

    /** Runs one pass; returns the decisions made. */
    public List<Outcome> run() throws Exception {
        Instant now = clock.instant();
        Map<String, Autosleep.Activity> activity = store.activity(settings.sessionIdle());
        List<Orchestrator> all = registry.list();
        List<Outcome> out = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, all.size())));
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Orchestrator o : all) {
                Autosleep.Activity a = activity.getOrDefault(o.orchestratorId(), Autosleep.Activity.NONE);
                futures.add(pool.submit(() -> decide(o, a, now)));
            }
            for (Future<Outcome> f : futures) {
                out.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        store.prune(settings.decisionsKept());
        return out;
    }

    private Outcome decide(Orchestrator o, Autosleep.Activity a, Instant now) throws SQLException {
        String id = o.orchestratorId();
        if (a.inUse()) {
            return record(
                    id,
                    "skipped",
                    "in_use",
                    null,
                    null,
                    a.activeSessions() + " session(s), " + a.activeLeases() + " lease(s) active");
        }
        String host = Attribution.autosleepHost(Registry.addresses(o));
        if (host == null) {
            return record(
                    id, "skipped", "no_host", null, null, "no host_name, health_url, host_public_ip or last_seen_ip");
        }
        if (a.lastActivity() != null) {
            Duration idle = Duration.between(a.lastActivity(), now);
            if (idle.compareTo(settings.autosleepIdle()) < 0) {
                return record(
                        id,
                        "skipped",
                        "recently_active",
                        host,
                        null,
                        "idle " + idle.toSeconds() + " s of "
                                + settings.autosleepIdle().toSeconds() + " s");
            }
        }
        PowerClient.Reading reading = power.state(host);
        if (reading.error() != null) {
            return record(id, "failed", "power_unreachable", host, null, "GET /power: " + reading.error());
        }
        if (!reading.awake()) {
            return record(id, "skipped", "not_awake", host, reading.state(), null);
        }
        if (settings.autosleepDryRun()) {
            LOG.info("Autosleep (dry run): would sleep orchestrator {} at {}", id, host);
            return record(id, "dry_run", "idle", host, reading.state(), "dry run: sleep not posted");
        }
        String error = power.sleep(host, REASON);
        if (error != null) {
            LOG.warn("Autosleep: orchestrator {} at {} refused sleep: {}", id, host, error);
            return record(id, "failed", "sleep_refused", host, reading.state(), "POST /power: " + error);
        }
        LOG.info("Autosleep: orchestrator {} at {} put to sleep", id, host);
        return record(id, "slept", "idle", host, reading.state(), null);
    }

    private Outcome record(String id, String decision, String reason, String host, String state, String detail)
            throws SQLException {
        store.record(id, decision, reason, host, state, detail);
        metrics.decision(decision, reason);
        return new Outcome(id, decision, reason);
    }
}
