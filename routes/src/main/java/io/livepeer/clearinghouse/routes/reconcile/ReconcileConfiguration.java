package io.livepeer.clearinghouse.routes.reconcile;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.ScheduledRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled outbox ↔ OpenMeter reconciliation: binds {@link ReconcileSettings}, registers
 * {@link ReconcileMetrics} and, when {@code clearinghouse.reconcile.enabled}, installs the {@link ScheduledRoute} {@code reconcile-openmeter}
 * with its own {@link OpenMeterClient} (the delivery's URL and token; a few retries with backoff, since a run is not
 * latency-critical). No health check: drift is a billing finding for people, not a reason to restart the service;
 * it is exported as metrics and logged.
 */
public final class ReconcileConfiguration implements CamelConfiguration {

    /** The route id of the periodic job. */
    public static final String ROUTE_ID = "reconcile-openmeter";

    private static final Logger LOG = LoggerFactory.getLogger(ReconcileConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        ReconcileSettings settings = Beans.bind(context, ReconcileSettings.from(SettingsReader.of(context)));
        LOG.info("Reconciliation: {}", settings);
        ReconcileMetrics metrics = Beans.bind(
                context,
                new ReconcileMetrics(Beans.require(context, PrometheusMeterRegistry.class), settings.meters()));
        if (!settings.enabled()) {
            return;
        }
        Clock clock = Beans.require(context, Clock.class);
        OpenMeterClient client = new OpenMeterClient(
                OpenMeterUrl.resolve(settings.openmeterUrl().orElseThrow()),
                settings.openmeterToken(),
                settings.requestTimeout(),
                Retries.of(3, Duration.ofSeconds(1), Duration.ofSeconds(30)));
        OpenMeterReconciliation reconciliation = new OpenMeterReconciliation(
                new DeliveredUsage(Beans.require(context, Database.class)),
                client,
                settings.meters(),
                settings.tolerance(),
                settings.windowSize(),
                settings.listing());
        ReconcileJob job = Beans.bind(context, new ReconcileJob(reconciliation, settings, metrics, clock));
        context.addRoutes(new ScheduledRoute(ROUTE_ID, settings.initialDelay(), settings.interval(), job::run));
    }
}
