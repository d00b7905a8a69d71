package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.escrow.EscrowSigners;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.ClusteredJobs;
import io.livepeer.clearinghouse.routes.core.RefreshRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Optional;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The escrow flow (issue 12, docs/escrow.md): binds {@link EscrowSettings}, the stores ({@link EscrowSigners},
 * {@link Fundings}), {@link EscrowChain} and {@link EscrowCycle}; when there is anything to watch (signers, or autofund
 * on) installs the clustered Quartz job {@value #CYCLE_ROUTE_ID} ({@link ClusteredJobs}: one instance per fire across
 * the cluster on PostgreSQL); and on every instance the {@link EscrowMonitor} gauges (refreshed by
 * {@value #METRICS_ROUTE_ID}), the {@link EscrowHealthCheck} and {@code GET /api/escrow}. The keys (treasury, payout
 * key) are loaded at boot so a misconfigured key fails the start, naming the setting, never the key.
 */
public final class EscrowConfiguration implements CamelConfiguration {

    /** Route id (and Quartz job name) of the clustered poll-and-fund job. */
    public static final String CYCLE_ROUTE_ID = "escrow-cycle";

    /** Route id of the timer that refreshes {@link EscrowMonitor}. */
    public static final String METRICS_ROUTE_ID = "escrow-metrics";

    private static final Logger LOG = LoggerFactory.getLogger(EscrowConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        SettingsReader reader = SettingsReader.of(context);
        EscrowSettings settings = Beans.bind(context, EscrowSettings.from(reader));
        LOG.info("Escrow: {}", settings);
        Database database = Beans.require(context, Database.class);
        Clock clock = Beans.require(context, Clock.class);
        EscrowSigners signers = Beans.bind(context, new EscrowSigners(database));
        Fundings fundings = Beans.bind(context, new Fundings(database, clock));
        Optional<PayoutKey> treasury =
                settings.topUpEnabled() ? settings.treasury().load(System.getenv()) : Optional.empty();
        Optional<PayoutKey> payoutKey =
                settings.autofundEnabled() ? settings.payoutKey().load(System.getenv()) : Optional.empty();
        if (settings.topUpEnabled() && treasury.isEmpty() && !settings.dryRun()) {
            LOG.warn("Escrow: top-up is on but no treasury key is configured (clearinghouse.escrow.treasury.*)");
        }
        EscrowChain chain = Beans.bind(context, new EscrowChain(settings));
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        chain.close();
                    }
                },
                true,
                true);
        EscrowCycle cycle = Beans.bind(
                context,
                new EscrowCycle(
                        settings,
                        signers,
                        fundings,
                        chain,
                        treasury,
                        payoutKey,
                        EscrowCycle.defaultFunders(settings, fundings, chain, clock),
                        clock));
        if (settings.active()) {
            ClusteredJobs.install(context, database);
            context.addRoutes(ClusteredJobs.route(CYCLE_ROUTE_ID, settings.interval(), cycle::run));
        }
        EscrowMonitor monitor = Beans.bind(
                context,
                new EscrowMonitor(
                        Beans.require(context, PrometheusMeterRegistry.class), settings, signers, fundings, clock));
        context.addRoutes(new RefreshRoute(METRICS_ROUTE_ID, "30s", monitor::refresh));
        HealthCheckRegistry.get(context).register(new EscrowHealthCheck(monitor));
        context.addRoutes(new EscrowApiRoutes(settings, signers, fundings, Beans.require(context, ApiAuth.class)));
    }
}
