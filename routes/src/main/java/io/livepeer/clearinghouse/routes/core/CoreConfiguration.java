package io.livepeer.clearinghouse.routes.core;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds what all flows share, before any flow is configured: the {@link Clock}, the migrated {@link Database} (closed
 * after the routes stop, so in-flight batches finish first) with its health check, the Prometheus registry behind
 * {@code /observe/metrics} with {@link HealthMetrics} ({@code clearinghouse_health_up{check}}), and the credit
 * {@link Ledger}.
 */
public final class CoreConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(CoreConfiguration.class);

    private final Clock clock;

    /** @param clock the clock every flow uses */
    public CoreConfiguration(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        CoreSettings settings = CoreSettings.from(SettingsReader.of(context));
        LOG.info("Clearinghouse starting with {}", settings);

        context.getRegistry().bind("clock", Clock.class, clock);
        Database database = Database.open(settings.database());
        // stopped after the routes, so in-flight batches finish before the pool closes
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        database.close();
                    }
                },
                true,
                true);
        Beans.bind(context, database);
        Beans.bind(context, settings);
        Beans.bind(context, new Ledger(database, clock));

        // camel-main's metrics service may already have created (and bound) the registry behind /observe/metrics
        PrometheusMeterRegistry registry = context.getRegistry()
                .lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        if (registry == null) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, registry);
        }
        HealthCheckRegistry.get(context).register(new DatabaseHealthCheck(database));
        // every flow's checks, registered after this, are read on each tick
        HealthMetrics health = Beans.bind(context, new HealthMetrics(context, registry));
        context.addRoutes(new RefreshRoute("health-metrics", "10s", health::refresh));
    }
}
