package io.livepeer.clearinghouse.routes.usage;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.RefreshRoute;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;

/**
 * The usage flow: the read API over the outbox, the dead letters and the sequence gaps ({@link UsageApiRoutes}), and
 * the gap gauges and health warning ({@link CompletenessMonitor}, {@link SequenceGapsHealthCheck}).
 */
public final class UsageConfiguration implements CamelConfiguration {

    /** How often the gap gauges and health details are recomputed (one pass over {@code ticket_events}). */
    static final String GAPS_REFRESH = "60s";

    @Override
    public void configure(CamelContext context) throws Exception {
        Database database = Beans.require(context, Database.class);
        OutboxQueries outbox = Beans.bind(context, new OutboxQueries(database));
        DeadLetters deadLetters = Beans.bind(context, new DeadLetters(database));
        SequenceGaps gaps = Beans.bind(context, new SequenceGaps(database));
        context.addRoutes(new UsageApiRoutes(outbox, deadLetters, gaps, Beans.require(context, ApiAuth.class)));
        CompletenessMonitor monitor = new CompletenessMonitor(
                gaps, Beans.require(context, io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class));
        context.addRoutes(new RefreshRoute("sequence-gaps", GAPS_REFRESH, monitor::refresh));
        HealthCheckRegistry.get(context).register(new SequenceGapsHealthCheck(monitor));
    }
}
