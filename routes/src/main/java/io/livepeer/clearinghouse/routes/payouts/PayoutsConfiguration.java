package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
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
 * The payouts flow (issue 12, docs/payouts.md): binds {@link PayoutSettings}, {@link PayoutIntents},
 * {@link PayoutPlanner}, {@link PayoutChain} and {@link PayoutCycle},, the {@link PayoutMonitor} metrics (refreshed by {@value #METRICS_ROUTE_ID}) and the
 * {@link PayoutsHealthCheck}, adds the read-only payouts API ({@link PayoutsApiRoutes}) and, when
 * {@code clearinghouse.payouts.scheduled},
 * installs the clustered Quartz job {@value #CYCLE_ROUTE_ID} ({@link ClusteredJobs}: one instance per fire across
 * the cluster on PostgreSQL). The cycle is a dry run unless {@code clearinghouse.payouts.unattended}.
 */
public final class PayoutsConfiguration implements CamelConfiguration {

    /** Route id (and Quartz job name) of the scheduled cycle. */
    public static final String CYCLE_ROUTE_ID = "payouts-cycle";

    /** Route id of the timer that refreshes {@link PayoutMonitor}. */
    public static final String METRICS_ROUTE_ID = "payouts-metrics";

    private static final Logger LOG = LoggerFactory.getLogger(PayoutsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        configureCycle(context);
        PayoutSettings settings = Beans.require(context, PayoutSettings.class);
        PayoutIntents intents = Beans.require(context, PayoutIntents.class);
        Clock clock = Beans.require(context, Clock.class);
        Ledger ledger = Beans.require(context, Ledger.class);
        PayoutMonitor monitor = Beans.bind(
                context,
                new PayoutMonitor(
                        Beans.require(context, PrometheusMeterRegistry.class),
                        intents,
                        Beans.require(context, PayoutTickets.class),
                        Beans.require(context, PayoutChain.class),
                        settings,
                        clock));
        context.addRoutes(new RefreshRoute(METRICS_ROUTE_ID, "30s", monitor::refresh));
        HealthCheckRegistry.get(context).register(new PayoutsHealthCheck(monitor));
        context.addRoutes(new PayoutsApiRoutes(
                intents,
                Beans.require(context, PayoutTickets.class),
                new OrchestratorStore(Beans.require(context, Database.class), ledger, clock),
                Beans.require(context, ApiAuth.class)));
    }

    /**
     * The cycle alone: binds the settings, intents, planner, chain and {@link PayoutCycle} and, when scheduled, the
     * clustered job. Needs the core's {@link Database}, {@link Clock} and {@link Ledger}; {@link #configure} adds
     * the metrics, health check and API on top (tests of the cycle run this part on bare contexts).
     */
    public PayoutCycle configureCycle(CamelContext context) throws Exception {
        SettingsReader reader = SettingsReader.of(context);
        PayoutSettings settings = Beans.bind(context, PayoutSettings.from(reader));
        LOG.info("Payouts: {}", settings);
        Database database = Beans.require(context, Database.class);
        Clock clock = Beans.require(context, Clock.class);
        Ledger ledger = Beans.require(context, Ledger.class);
        PayoutIntents intents = Beans.bind(context, new PayoutIntents(database, clock));
        OrchestratorStore orchestrators = new OrchestratorStore(database, ledger, clock);
        PayoutTickets tickets = Beans.bind(context, new PayoutTickets(database, clock));
        PayoutChain chain = Beans.bind(
                context, new PayoutChain(settings, settings.key(System.getenv()), intents, tickets, ledger, clock));
        PayoutPlanner planner = Beans.bind(
                context,
                new PayoutPlanner(
                        orchestrators, intents, settings.thresholdWei(), settings.strategy(), chain.recipientCheck()));
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        chain.close();
                    }
                },
                true,
                true);
        PayoutCycle cycle = Beans.bind(context, new PayoutCycle(planner, intents, chain, settings.unattended(), clock));
        if (settings.scheduled()) {
            ClusteredJobs.install(context, database);
            context.addRoutes(ClusteredJobs.route(CYCLE_ROUTE_ID, settings.interval(), cycle::run));
        }
        return cycle;
    }
}
