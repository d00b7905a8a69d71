package io.livepeer.clearinghouse.routes;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
import io.livepeer.clearinghouse.routes.price.PriceService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The running application's services, bound in the Camel registry as {@value #REGISTRY_NAME} for the launcher
 * (progress and summary) and for tests.
 *
 * @param settings    configuration
 * @param database    the database
 * @param catalog     the metering catalog in use
 * @param price       ETH/USD price
 * @param outbox      usage outbox, read side (counts, summary, events)
 * @param deadLetters dead letters
 * @param delivery    OpenMeter delivery
 * @param metrics     pipeline metrics
 * @param registry    the Prometheus registry behind {@code /observe/metrics}
 * @param ledger      the credit ledger
 * @param reconciliation the ledger's reconciliation
 * @param bridge      the signer bridge
 */
public record Clearinghouse(Settings settings, Database database, Catalog catalog, PriceService price, OutboxQueries outbox,
                            DeadLetters deadLetters, OutboxDelivery delivery, MeteringMetrics metrics,
                            PrometheusMeterRegistry registry, Ledger ledger, Reconciliation reconciliation,
                            io.livepeer.clearinghouse.routes.bridge.BridgeServices bridge) {

    /** Registry name. */
    public static final String REGISTRY_NAME = "clearinghouse";

    /** The instance bound in a context's registry. */
    public static Clearinghouse in(org.apache.camel.CamelContext context) {
        Clearinghouse found = context.getRegistry().lookupByNameAndType(REGISTRY_NAME, Clearinghouse.class);
        if (found == null) {
            throw new IllegalStateException("the clearinghouse is not configured in this Camel context");
        }
        return found;
    }
}
