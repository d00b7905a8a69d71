package io.livepeer.clearinghouse.routes.ledger;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.CustomerUsage;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.RefreshRoute;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * The ledger flow: the operator API over the credit ledger bound by the core ({@link LedgerApiRoutes}), with its
 * {@link Reconciliation} and {@link CustomerUsage} read models, and the ledger totals for dashboards
 * ({@link LedgerMetrics}, refreshed by the {@code ledger-metrics} {@link RefreshRoute}).
 */
public final class LedgerConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        Database database = Beans.require(context, Database.class);
        Clock clock = Beans.require(context, Clock.class);
        Reconciliation reconciliation = Beans.bind(context, new Reconciliation(database, clock));
        Ledger ledger = Beans.require(context, Ledger.class);
        LedgerMetrics metrics =
                Beans.bind(context, new LedgerMetrics(Beans.require(context, PrometheusMeterRegistry.class), ledger));
        context.addRoutes(new RefreshRoute("ledger-metrics", "30s", metrics::refresh));
        context.addRoutes(new LedgerApiRoutes(
                ledger, new CustomerUsage(database), reconciliation, Beans.require(context, ApiAuth.class), clock));
    }
}
