package io.livepeer.clearinghouse.routes.orchestrators;

import io.livepeer.clearinghouse.ledger.orchestrators.HealthObservation;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The orchestrators flow's Prometheus metrics. Per orchestrator (label {@code orchestrator}), refreshed from the
 * database by the {@code orchestrators-metrics} route on every instance (whichever instance polled):
 *
 * <ul>
 *   <li>{@code clearinghouse_orchestrator_up}: 1 when its last health observation had a service up, else 0</li>
 *   <li>{@code clearinghouse_orchestrator_seconds_since_healthy}: since its last healthy cycle (since registration
 *       when never healthy)</li>
 *   <li>{@code clearinghouse_orchestrator_in_cooldown}: 1 while a cooldown runs</li>
 *   <li>{@code clearinghouse_orchestrator_eligible}: 1 when eligible for credit (not denylisted, no cooldown)</li>
 * </ul>
 * Counters of this instance: {@code clearinghouse_orchestrator_health_polls_total{outcome}} ({@code healthy},
 * {@code down}, {@code unreachable}, {@code neutral}) and {@code clearinghouse_orchestrator_cooldowns_total}.
 */
public final class OrchestratorsMetrics {

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, double[]> values = new ConcurrentHashMap<>();
    private final Map<String, Counter> polls = new ConcurrentHashMap<>();
    private final Counter cooldowns;
    private volatile List<Orchestrator> last = List.of();

    public OrchestratorsMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.cooldowns = Counter.builder("clearinghouse.orchestrator.cooldowns")
                .description("Cooldowns started by the health rules (consecutive misses)")
                .register(registry);
    }

    /** Reads every orchestrator and updates the gauges (one set per orchestrator, created on first sight). */
    public void refresh(OrchestratorStore store) throws SQLException {
        List<Orchestrator> all = store.list();
        Instant now = clock.instant();
        for (Orchestrator o : all) {
            double[] v = values.computeIfAbsent(o.orchestratorId(), this::register);
            Instant since = o.lastHealthyAt() != null ? o.lastHealthyAt() : o.firstSeen();
            v[0] = o.lastHealth() != null && o.lastHealth().up() ? 1 : 0;
            v[1] = Math.max(0, Duration.between(since, now).toSeconds());
            v[2] = o.cooldownActive(now) ? 1 : 0;
            v[3] = o.eligible(now) ? 1 : 0;
        }
        last = all;
    }

    /** The orchestrators as of the last refresh. */
    List<Orchestrator> last() {
        return last;
    }

    void polled(HealthObservation o) {
        String outcome = !o.reachable() ? "unreachable" : o.healthy() ? "healthy" : o.miss() ? "down" : "neutral";
        polls.computeIfAbsent(
                        outcome,
                        k -> Counter.builder("clearinghouse.orchestrator.health.polls")
                                .tag("outcome", k)
                                .description("Health observations of orchestrators by this instance")
                                .register(registry))
                .increment();
    }

    void cooldownStarted() {
        cooldowns.increment();
    }

    private double[] register(String id) {
        double[] v = new double[4];
        Gauge.builder("clearinghouse.orchestrator.up", v, a -> a[0])
                .tag("orchestrator", id)
                .description("1 when the orchestrator's last health observation had a service up")
                .register(registry);
        Gauge.builder("clearinghouse.orchestrator.seconds.since.healthy", v, a -> a[1])
                .tag("orchestrator", id)
                .description("Seconds since the orchestrator's last healthy cycle")
                .register(registry);
        Gauge.builder("clearinghouse.orchestrator.in.cooldown", v, a -> a[2])
                .tag("orchestrator", id)
                .description("1 while the orchestrator is in a health cooldown")
                .register(registry);
        Gauge.builder("clearinghouse.orchestrator.eligible", v, a -> a[3])
                .tag("orchestrator", id)
                .description("1 when the orchestrator is eligible for credit")
                .register(registry);
        return v;
    }
}
