package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.SqlDialect;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.routes.core.RefreshRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConsumer;
import org.apache.camel.component.kafka.TaskHealthState;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metering flow: Kafka signer events → outbox (and the credit ledger). Loads and validates the catalog, binds
 * {@link MeteringSettings}, the {@link Catalog} and {@link MeteringMetrics}, registers {@link KafkaHealthCheck},
 * {@link MeteringConsumerHealthCheck} (DOWN when the consumer is not consuming) and the
 * {@link ConsumerLag} gauge (refreshed by the {@code kafka-consumer-lag} {@link RefreshRoute}), and adds {@link SignerEventsRoute}, started once
 * the {@link PriceService} (bound by the price flow) has a price.
 */
public final class MeteringConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringConfiguration.class);
    /** How often the consumer lag gauge is refreshed (about one Prometheus scrape interval). */
    static final String LAG_REFRESH = "15s";
    /** The setting with the number of Kafka consumers of the metering route. */
    static final String CONSUMERS = "clearinghouse.kafka.consumers-count";
    /** The setting with the number of partitions of a batch stored at once. */
    static final String STORE_PARALLELISM = "clearinghouse.metering.store-parallelism";

    @Override
    public void configure(CamelContext context) throws Exception {
        MeteringSettings settings = Beans.bind(context, MeteringSettings.from(SettingsReader.of(context)));
        LOG.info("Metering: {}", settings);
        Clock clock = Beans.require(context, Clock.class);
        Database database = Beans.require(context, Database.class);
        PriceService price = Beans.require(context, PriceService.class);

        Catalog catalog = Beans.bind(context, loadCatalog(settings));
        MeteringMetrics metrics =
                Beans.bind(context, new MeteringMetrics(Beans.require(context, PrometheusMeterRegistry.class)));
        SignerEventMetering metering = signerEventMetering(settings, catalog);
        if (!settings.usageFanOut()) {
            LOG.warn("Usage fan-out to the credit ledger is off: balances will not reflect metered usage");
        }
        Ledger ledger = settings.usageFanOut() ? Beans.require(context, Ledger.class) : null;
        // the operator's client properties (security) reach every Kafka endpoint through the component
        context.getComponent("kafka", KafkaComponent.class)
                .getConfiguration()
                .setAdditionalProperties(new HashMap<>(settings.kafkaClient().values()));
        DeadLetterPublisher deadLetterTopic = null;
        if (settings.deadLetterTopic().isPresent()) {
            DeadLetterPublisher publisher = new DeadLetterPublisher(context);
            deadLetterTopic = publisher;
            context.addService(
                    new ServiceSupport() {
                        @Override
                        protected void doStop() {
                            publisher.close();
                        }
                    },
                    true,
                    true);
        }
        MeteringBatchProcessor batchProcessor = new MeteringBatchProcessor(
                metering,
                price,
                new UsageRecorder(database, ledger, clock),
                settings.trackSequences(),
                storeParallelism(context, database),
                metrics,
                deadLetterTopic != null ? deadLetterTopic : deadLetters -> {},
                clock);

        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        batchProcessor.close();
                    }
                },
                true,
                true);

        KafkaHealthCheck kafkaCheck = new KafkaHealthCheck(settings.kafkaBrokers(), settings.kafkaClient());
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        kafkaCheck.close();
                    }
                },
                true,
                true);
        HealthCheckRegistry.get(context).register(kafkaCheck);

        ConsumerLag lag = new ConsumerLag(
                Beans.require(context, PrometheusMeterRegistry.class),
                settings.kafkaBrokers(),
                settings.topic(),
                settings.groupId(),
                settings.kafkaClient());
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        lag.close();
                    }
                },
                true,
                true);
        context.addRoutes(new RefreshRoute("kafka-consumer-lag", LAG_REFRESH, lag::refresh));

        HealthCheckRegistry.get(context)
                .register(new MeteringConsumerHealthCheck(
                        () -> context.getRouteController().getRouteStatus(SignerEventsRoute.ROUTE_ID),
                        () -> price.current().isPresent(),
                        () -> consumerProblem(context),
                        lag::lag,
                        batchProcessor::lastBatchAt,
                        batchProcessor::splitting,
                        lag::groupPosition,
                        clock,
                        settings.stallAfter()));

        boolean priceKnown = price.current().isPresent();
        context.addRoutes(new SignerEventsRoute(batchProcessor, priceKnown, consumers(context, database)));
        if (!priceKnown) {
            new MeteringGate(context, price, SignerEventsRoute.ROUTE_ID).install();
        }
    }

    /**
     * The metering route's Kafka consumers: {@code clearinghouse.kafka.consumers-count} on PostgreSQL; one on H2, whose row locks make
     * concurrent batch transactions time out on shared balance and session rows rather than wait (measured,
     * docs/benchmarks.md), and which serves one instance anyway.
     */
    static int consumers(CamelContext context, Database database) {
        int wanted = SettingsReader.of(context).positiveInt(CONSUMERS);
        if (wanted > 1 && database.dialect() != SqlDialect.POSTGRESQL) {
            LOG.info("{} is {}, but on {} metering uses one Kafka consumer", CONSUMERS, wanted, database.dialect());
            return 1;
        }
        return wanted;
    }

    /**
     * How many partitions of one Kafka batch are stored at once, each in its own transaction
     * ({@code clearinghouse.metering.store-parallelism}) on PostgreSQL; one transaction per batch on H2, whose row
     * locks make concurrent batch transactions time out on shared balance and session rows rather than wait.
     */
    static int storeParallelism(CamelContext context, Database database) {
        int wanted = SettingsReader.of(context).positiveInt(STORE_PARALLELISM);
        if (wanted > 1 && database.dialect() != SqlDialect.POSTGRESQL) {
            LOG.info(
                    "{} is {}, but on {} a metering batch is stored in one transaction",
                    STORE_PARALLELISM,
                    wanted,
                    database.dialect());
            return 1;
        }
        return wanted;
    }

    /** Why the metering route's Kafka consumer cannot consume (a terminated fetch task), or null. */
    private static String consumerProblem(CamelContext context) {
        Route route = context.getRoute(SignerEventsRoute.ROUTE_ID);
        if (route == null || !(route.getConsumer() instanceof KafkaConsumer consumer)) {
            return null;
        }
        for (TaskHealthState task : consumer.healthStates()) {
            if (task.isTerminated()) {
                Exception error = task.getLastError();
                return "Kafka consumer task " + task.getClientId() + " has terminated"
                        + (error == null ? "" : " after " + error.getClass().getSimpleName());
            }
        }
        return null;
    }

    /**
     * The metering function of these settings and catalog: the one place it is built, for the route and for the
     * commands that meter offline ({@code replay --from-…}, {@code dead-letters redrive}).
     */
    public static SignerEventMetering signerEventMetering(MeteringSettings settings, Catalog catalog) {
        return new SignerEventMetering(
                new UsageCloudEventMapper(settings.cloudEventSource()),
                catalog.markup(),
                new MeteringLimits(settings.maxFeeWei(), settings.maxFutureSkew(), settings.maxPastAge()),
                settings.usd());
    }

    /**
     * The catalog of {@code clearinghouse.metering.catalog-file}, validated as {@code bootstrap validate} does, or the
     * reference catalog without one.
     *
     * @throws IOException when the file cannot be read
     */
    public static Catalog loadCatalog(MeteringSettings settings) throws IOException {
        if (settings.catalogFile().isEmpty()) {
            return Catalog.defaultCatalog();
        }
        Path file = Path.of(settings.catalogFile().get());
        try (InputStream in = Files.newInputStream(file)) {
            // the same checks as `bootstrap validate`: a catalog OpenMeter would refuse is not metered with either
            Catalog catalog = CatalogValidator.requireValid(Catalog.parse(in), file.toString());
            LOG.info(
                    "Catalog {}: {} markup rule(s)", file, catalog.markupRules().size());
            return catalog;
        }
    }
}
