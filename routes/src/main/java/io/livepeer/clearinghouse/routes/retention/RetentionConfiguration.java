package io.livepeer.clearinghouse.routes.retention;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Retention;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.ScheduledRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention flow: binds {@link RetentionSettings}, registers {@link RetentionMetrics} and, unless both ages keep
 * everything forever, installs the {@link ScheduledRoute} {@code retention} that runs {@link RetentionJob}. No health check: a failed
 * pass never affects metering, delivery or billing, so it must not turn health DOWN (and restart the service); it is
 * counted in {@code clearinghouse_retention_runs_total{outcome="failure"}} and logged instead.
 */
public final class RetentionConfiguration implements CamelConfiguration {

    /** The route id of the periodic job. */
    public static final String ROUTE_ID = "retention";

    private static final Logger LOG = LoggerFactory.getLogger(RetentionConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        RetentionSettings settings = Beans.bind(context, RetentionSettings.from(SettingsReader.of(context)));
        LOG.info("Retention: {}", settings);
        Clock clock = Beans.require(context, Clock.class);
        RetentionMetrics metrics =
                Beans.bind(context, new RetentionMetrics(Beans.require(context, PrometheusMeterRegistry.class)));
        if (!settings.enabled()) {
            return;
        }
        RetentionJob job = Beans.bind(
                context,
                new RetentionJob(
                        new Retention(Beans.require(context, Database.class), clock), settings, metrics, clock));
        context.addRoutes(new ScheduledRoute(ROUTE_ID, settings.initialDelay(), settings.interval(), job::run));
    }
}
