package io.livepeer.clearinghouse.routes.usage;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** The usage flow: the read API over the outbox and the dead letters ({@link UsageApiRoutes}). */
public final class UsageConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        Database database = Beans.require(context, Database.class);
        OutboxQueries outbox = Beans.bind(context, new OutboxQueries(database));
        DeadLetters deadLetters = Beans.bind(context, new DeadLetters(database));
        context.addRoutes(new UsageApiRoutes(outbox, deadLetters, Beans.require(context, ApiAuth.class)));
    }
}
