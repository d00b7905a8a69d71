package io.livepeer.clearinghouse.routes;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.routes.bridge.BridgeServices;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
import io.livepeer.clearinghouse.routes.metering.MeteringMetrics;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;

/**
 * A view of the running application's services across flows, bound in the Camel registry as
 * {@value #REGISTRY_NAME} for the launcher (progress and summary), the benchmarks and tests. Flows never use it: it
 * only collects what their configurations bound.
 *
 * @param metering       metering settings (topic, consumer group, fan-out)
 * @param database       the database
 * @param catalog        the metering catalog in use
 * @param price          ETH/USD price
 * @param outbox         usage outbox
 * @param deadLetters    dead letters
 * @param delivery       OpenMeter delivery (with its metrics)
 * @param metrics        metering metrics
 * @param registry       the Prometheus registry behind {@code /observe/metrics}
 * @param ledger         the credit ledger
 * @param reconciliation the ledger's reconciliation
 * @param bridge         the signer bridge
 */
public record Clearinghouse(
        MeteringSettings metering,
        Database database,
        Catalog catalog,
        PriceService price,
        OutboxQueries outbox,
        DeadLetters deadLetters,
        OutboxDelivery delivery,
        MeteringMetrics metrics,
        PrometheusMeterRegistry registry,
        Ledger ledger,
        Reconciliation reconciliation,
        BridgeServices bridge) {

    /** Registry name. */
    public static final String REGISTRY_NAME = "clearinghouse";

    /** Collects the services the flows bound in {@code context}. */
    static Clearinghouse from(CamelContext context) {
        return new Clearinghouse(
                Beans.require(context, MeteringSettings.class),
                Beans.require(context, Database.class),
                Beans.require(context, Catalog.class),
                Beans.require(context, PriceService.class),
                Beans.require(context, OutboxQueries.class),
                Beans.require(context, DeadLetters.class),
                Beans.require(context, OutboxDelivery.class),
                Beans.require(context, MeteringMetrics.class),
                Beans.require(context, PrometheusMeterRegistry.class),
                Beans.require(context, Ledger.class),
                Beans.require(context, Reconciliation.class),
                Beans.require(context, BridgeServices.class));
    }

    /** The instance bound in a context's registry. */
    public static Clearinghouse in(CamelContext context) {
        Clearinghouse found = context.getRegistry().lookupByNameAndType(REGISTRY_NAME, Clearinghouse.class);
        if (found == null) {
            throw new IllegalStateException("the clearinghouse is not configured in this Camel context");
        }
        return found;
    }
}
