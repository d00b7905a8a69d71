package io.livepeer.clearinghouse.routes.orchestrators;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorHealthStore;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStats;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorTokens;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.ClusteredJobs;
import io.livepeer.clearinghouse.routes.core.RefreshRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrators flow (issue 11; docs/orchestrators.md): binds the registry ({@link OrchestratorStore}), health
 * state, tokens and stats; the API ({@link OrchestratorsApiRoutes}); per-orchestrator metrics refreshed by
 * {@code orchestrators-metrics}; the warning health check {@code orchestrators}; and, when enabled, the clustered
 * job {@code orchestrators-health} ({@link HealthPoller}) that runs on one instance per period
 * ({@link ClusteredJobs}).
 */
public final class OrchestratorsConfiguration implements CamelConfiguration {

    /** The route id of the health polling job. */
    public static final String HEALTH_ROUTE_ID = "orchestrators-health";

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        SettingsReader reader = SettingsReader.of(context);
        OrchestratorsSettings settings = Beans.bind(context, OrchestratorsSettings.from(reader));
        Database database = Beans.require(context, Database.class);
        Clock clock = Beans.require(context, Clock.class);
        Ledger ledger = Beans.require(context, Ledger.class);
        OrchestratorStore store = Beans.bind(context, new OrchestratorStore(database, ledger, clock));
        OrchestratorHealthStore health = Beans.bind(context, new OrchestratorHealthStore(database, clock));
        OrchestratorTokens tokens = Beans.bind(context, new OrchestratorTokens(database, clock));
        OrchestratorStats stats = Beans.bind(context, new OrchestratorStats(database, clock));
        OrchestratorsMetrics metrics = Beans.bind(
                context, new OrchestratorsMetrics(Beans.require(context, PrometheusMeterRegistry.class), clock));
        context.addRoutes(new RefreshRoute("orchestrators-metrics", "15s", () -> metrics.refresh(store)));
        HealthCheckRegistry.get(context).register(new OrchestratorsHealthCheck(metrics, clock));
        context.addRoutes(new OrchestratorsApiRoutes(
                store, health, tokens, stats, settings, Beans.require(context, ApiAuth.class), clock));

        ClusteredJobs.install(context, database);
        if (!settings.healthEnabled()) {
            LOG.info("Orchestrator health polling is disabled");
            return;
        }
        HealthPoller poller = Beans.bind(context, new HealthPoller(store, health, settings, metrics, clock));
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        poller.close();
                    }
                },
                true,
                true);
        context.addRoutes(ClusteredJobs.route(HEALTH_ROUTE_ID, settings.pollInterval(), poller::runOnce));
        LOG.info(
                "Orchestrator health polling every {} (clustered job), misses to cooldown {}, cooldown {}, snapshot TTL {}",
                settings.pollInterval(),
                settings.missThreshold(),
                settings.cooldown(),
                settings.forwarderTtl());
    }
}
