package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.RefreshRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery flow: outbox → OpenMeter / Konnect. Binds the {@link OutboxDelivery} (disabled without
 * {@code OPENMETER_URL}: events stay pending), its {@link DeliveryMetrics} (with the delivery state gauges) and
 * {@link DeliveryHealthCheck}, and adds {@link DeliveryRoutes}.
 */
public final class DeliveryConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        DeliverySettings settings = Beans.bind(context, DeliverySettings.from(SettingsReader.of(context)));
        LOG.info("Delivery: {}", settings);
        Clock clock = Beans.require(context, Clock.class);
        // the claim owner: unique per process, so instances sharing one PostgreSQL never send the same event
        DeliveryQueue outbox = new DeliveryQueue(
                Beans.require(context, Database.class), DeliveryQueue.instanceId(), settings.claimLease());
        DeliveryMetrics metrics = new DeliveryMetrics(Beans.require(context, PrometheusMeterRegistry.class));

        OutboxDelivery delivery;
        if (settings.openmeterUrl().isPresent()) {
            OpenMeterClient client = DeliveryClient.open(
                    settings.openmeterUrl().get(), settings.openmeterToken(), settings.requestTimeout());
            ExecutorService pool = context.getExecutorServiceManager()
                    .newFixedThreadPool(this, "openmeter-delivery", settings.parallelRequests());
            String target = SettingsReader.host(client.url().ingestUrl()) + " ("
                    + client.dialect().label() + ")";
            delivery = new OutboxDelivery(
                    outbox,
                    client,
                    target,
                    metrics,
                    settings.batchSize(),
                    settings.parallelRequests(),
                    settings.initialBackoff(),
                    settings.maxBackoff(),
                    pool,
                    clock);
            LOG.info(
                    "Delivering usage to {}{} as {} (claims held {})",
                    target,
                    client.hasToken() ? " with a bearer token" : "",
                    outbox.owner(),
                    settings.claimLease());
        } else {
            delivery = new OutboxDelivery(
                    outbox,
                    null,
                    null,
                    metrics,
                    settings.batchSize(),
                    1,
                    settings.initialBackoff(),
                    settings.maxBackoff(),
                    null,
                    clock);
            LOG.info("OPENMETER_URL not set: delivery disabled, metered events stay pending in the outbox");
        }
        Beans.bind(context, delivery);
        metrics.watch(delivery);
        HealthCheckRegistry.get(context).register(new DeliveryHealthCheck(delivery));
        context.addRoutes(new DeliveryRoutes(delivery));
        context.addRoutes(new RefreshRoute("outbox-backlog", "5s", delivery::refreshBacklog));
    }
}
