package io.livepeer.clearinghouse.routes;

import io.livepeer.clearinghouse.routes.bridge.BridgeConfiguration;
import io.livepeer.clearinghouse.routes.core.CoreConfiguration;
import io.livepeer.clearinghouse.routes.delivery.DeliveryConfiguration;
import io.livepeer.clearinghouse.routes.escrow.EscrowConfiguration;
import io.livepeer.clearinghouse.routes.http.HttpConfiguration;
import io.livepeer.clearinghouse.routes.ledger.LedgerConfiguration;
import io.livepeer.clearinghouse.routes.metering.MeteringConfiguration;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsConfiguration;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditConfiguration;
import io.livepeer.clearinghouse.routes.payouts.PayoutsConfiguration;
import io.livepeer.clearinghouse.routes.price.PriceConfiguration;
import io.livepeer.clearinghouse.routes.reconcile.ReconcileConfiguration;
import io.livepeer.clearinghouse.routes.retention.RetentionConfiguration;
import io.livepeer.clearinghouse.routes.spend.SpendConfiguration;
import io.livepeer.clearinghouse.routes.usage.UsageConfiguration;
import java.time.Clock;
import java.util.List;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * The composition root: runs each flow's configuration in dependency order, then binds the {@link Clearinghouse}
 * view. The core binds what all flows share (clock, database, meter registry, ledger); the HTTP configuration binds
 * the operator API's tokens; each flow then binds its own settings, services, health checks, metrics and routes, and
 * finds what it needs from earlier ones by type in the registry (flows never import each other).
 *
 * <pre>
 * core → http → price → metering → delivery → usage → ledger → spend → bridge → retention → reconcile → orchestrators
 *   → payouts → escrow (orchestrators: registry and health, then crediting: {@link CreditConfiguration})
 * </pre>
 */
public class ClearinghouseConfiguration implements CamelConfiguration {

    private final Clock clock;

    /** With the system UTC clock. */
    public ClearinghouseConfiguration() {
        this(Clock.systemUTC());
    }

    /** @param clock the clock every flow uses (tests pass a fixed or mutable one) */
    public ClearinghouseConfiguration(Clock clock) {
        this.clock = clock;
    }

    /** The flows' configurations in the order they run. */
    List<CamelConfiguration> flows() {
        return List.of(
                new CoreConfiguration(clock),
                new HttpConfiguration(),
                new PriceConfiguration(),
                new MeteringConfiguration(),
                new DeliveryConfiguration(),
                new UsageConfiguration(),
                new LedgerConfiguration(),
                new SpendConfiguration(),
                new BridgeConfiguration(),
                new RetentionConfiguration(),
                new ReconcileConfiguration(),
                new OrchestratorsConfiguration(),
                new CreditConfiguration(),
                new PayoutsConfiguration(),
                new EscrowConfiguration());
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        for (CamelConfiguration flow : flows()) {
            flow.configure(context);
        }
        context.getRegistry().bind(Clearinghouse.REGISTRY_NAME, Clearinghouse.from(context));
    }
}
