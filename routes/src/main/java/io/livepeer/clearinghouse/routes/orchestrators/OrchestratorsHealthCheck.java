package io.livepeer.clearinghouse.routes.orchestrators;

import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.routes.core.HealthMessages;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A warning, never DOWN: the orchestrators that are unhealthy (last observation without a service up) or in
 * cooldown, by id. An orchestrator's outage is not this instance's fault, so it neither fails
 * {@code /observe/health} nor takes the instance out of rotation; alert on {@code clearinghouse_orchestrator_up}
 * instead. Reads the last metrics refresh, never the database.
 */
public final class OrchestratorsHealthCheck extends AbstractHealthCheck {

    private final OrchestratorsMetrics metrics;
    private final Clock clock;

    public OrchestratorsHealthCheck(OrchestratorsMetrics metrics, Clock clock) {
        super("clearinghouse", "orchestrators");
        this.metrics = metrics;
        this.clock = clock;
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
        Instant now = clock.instant();
        List<Orchestrator> all = metrics.last();
        List<String> unhealthy = all.stream()
                .filter(o -> !o.denylisted())
                .filter(o -> o.lastHealth() != null && !o.lastHealth().up())
                .map(Orchestrator::orchestratorId)
                .toList();
        List<String> cooling = all.stream()
                .filter(o -> o.cooldownActive(now))
                .map(Orchestrator::orchestratorId)
                .toList();
        builder.up();
        builder.detail("orchestrators", all.size());
        builder.detail("unhealthy", String.join(",", unhealthy));
        builder.detail("in_cooldown", String.join(",", cooling));
        if (unhealthy.isEmpty() && cooling.isEmpty()) {
            builder.message(all.size() + " orchestrator(s), none unhealthy");
            return;
        }
        builder.message(HealthMessages.safe("WARNING: unhealthy orchestrators: "
                + (unhealthy.isEmpty() ? "none" : String.join(", ", unhealthy)) + "; in cooldown: "
                + (cooling.isEmpty() ? "none" : String.join(", ", cooling))));
    }
}
