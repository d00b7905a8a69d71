package io.livepeer.clearinghouse.routes;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.ledger.credit.CustomerUsage;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.ApiKeys;
import io.livepeer.clearinghouse.bridge.Authorizer;
import io.livepeer.clearinghouse.bridge.CredentialVerifier;
import io.livepeer.clearinghouse.bridge.OidcVerifier;
import io.livepeer.clearinghouse.bridge.SignerStatus;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.routes.api.ApiAuth;
import io.livepeer.clearinghouse.routes.api.ApiKeyRoutes;
import io.livepeer.clearinghouse.routes.bridge.BridgeMetrics;
import io.livepeer.clearinghouse.routes.bridge.BridgeServices;
import io.livepeer.clearinghouse.routes.bridge.BridgeSettings;
import io.livepeer.clearinghouse.routes.bridge.SignerBridgeRoutes;
import io.livepeer.clearinghouse.routes.bridge.SignerHealthCheck;
import io.livepeer.clearinghouse.routes.bridge.SignerProbeRoute;
import io.livepeer.clearinghouse.routes.api.LedgerApiRoutes;
import io.livepeer.clearinghouse.routes.api.UsageApiRoutes;
import io.livepeer.clearinghouse.routes.delivery.CamelHttpIngest;
import io.livepeer.clearinghouse.routes.delivery.OpenMeterEndpoint;
import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
import io.livepeer.clearinghouse.routes.health.DatabaseHealthCheck;
import io.livepeer.clearinghouse.routes.health.DeliveryHealthCheck;
import io.livepeer.clearinghouse.routes.health.KafkaHealthCheck;
import io.livepeer.clearinghouse.routes.health.PriceHealthCheck;
import io.livepeer.clearinghouse.routes.metering.MeteringBatchProcessor;
import io.livepeer.clearinghouse.routes.price.PriceService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the clearinghouse inside camel-main: reads {@link Settings}, opens and migrates the database, installs the
 * price source, registers health checks and metrics, and adds one RouteBuilder per concern. The metering route is
 * started only when the context is up <em>and</em> an ETH/USD price is known.
 */
public class ClearinghouseConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ClearinghouseConfiguration.class);

    private final Clock clock;

    public ClearinghouseConfiguration() {
        this(Clock.systemUTC());
    }

    public ClearinghouseConfiguration(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = Settings.from(context);
        LOG.info("Clearinghouse starting with {}", settings);

        Database database = Database.open(new DatabaseConfig(settings.jdbcUrl(), settings.jdbcUser(),
                settings.jdbcPassword(), settings.jdbcPoolSize()));
        KafkaHealthCheck kafkaCheck = new KafkaHealthCheck(settings.kafkaBrokers());
        // stopped after the routes, so in-flight batches finish before the pool closes
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                kafkaCheck.close();
                database.close();
            }
        }, true, true);

        // camel-main's metrics service may already have created (and bound) the registry behind /observe/metrics
        PrometheusMeterRegistry registry = context.getRegistry().lookupByNameAndType(
                MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        if (registry == null) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, registry);
        }

        PriceService price = new PriceService(settings.priceStaleAfter(), clock);
        if (settings.oracleUrl().isEmpty() && settings.staticPrice().isPresent()) {
            price.update(new PriceQuote(settings.staticPrice().get(), clock.instant(), "static"));
        } else if (settings.oracleUrl().isPresent() && settings.staticPrice().isPresent()) {
            LOG.warn("Both ETH_USD_PRICE and PRICE_ORACLE_URL are set: the oracle is used, the static price ignored");
        } else if (settings.oracleUrl().isEmpty()) {
            LOG.warn("No ETH/USD price configured (ETH_USD_PRICE or PRICE_ORACLE_URL): metering will not start");
        }

        Catalog catalog = loadCatalog(settings);
        MeteringMetrics metrics = new MeteringMetrics(registry, price);
        OutboxQueries outbox = new OutboxQueries(database);
        DeliveryQueue deliveryQueue = new DeliveryQueue(database);
        DeadLetters deadLetters = new DeadLetters(database);
        SignerEventMetering metering = new SignerEventMetering(
                new UsageCloudEventMapper(settings.cloudEventSource()), catalog.markup(),
                new MeteringLimits(settings.maxFeeWei(), settings.maxFutureSkew()));
        Ledger ledger = new Ledger(database, clock);
        if (!settings.usageFanOut()) {
            LOG.warn("Usage fan-out to the credit ledger is off: balances will not reflect metered usage");
        }
        MeteringBatchProcessor batchProcessor = new MeteringBatchProcessor(metering, price,
                new UsageRecorder(database, settings.usageFanOut() ? ledger : null, clock), metrics,
                deadLetterPublisher(context, settings), clock);

        OutboxDelivery delivery;
        if (settings.openmeterUrl().isPresent()) {
            OpenMeterEndpoint endpoint = OpenMeterEndpoint.of(settings.openmeterUrl().get());
            ExecutorService pool = context.getExecutorServiceManager()
                    .newFixedThreadPool(this, "openmeter-delivery", settings.parallelRequests());
            delivery = new OutboxDelivery(deliveryQueue, new CamelHttpIngest(context),
                    Settings.host(endpoint.ingestUrl()) + " (" + endpoint.dialect().name().toLowerCase() + ")",
                    metrics, settings.batchSize(), settings.parallelRequests(), settings.initialBackoff(),
                    settings.maxBackoff(), pool, clock);
            LOG.info("Delivering usage to {} ({} dialect){}", Settings.host(endpoint.ingestUrl()),
                    endpoint.dialect(), settings.openmeterToken().isPresent() ? " with a bearer token" : "");
        } else {
            delivery = new OutboxDelivery(deliveryQueue, null, null, metrics, settings.batchSize(), 1,
                    settings.initialBackoff(), settings.maxBackoff(), null, clock);
            LOG.info("OPENMETER_URL not set: delivery disabled, metered events stay pending in the outbox");
        }

        Reconciliation reconciliation = new Reconciliation(database, clock);
        BridgeServices bridge = bridge(context, database, ledger, registry);
        context.getRegistry().bind(Clearinghouse.REGISTRY_NAME, new Clearinghouse(settings, database, catalog, price,
                outbox, deadLetters, delivery, metrics, registry, ledger, reconciliation, bridge));
        ApiAuth auth = new ApiAuth(settings.adminToken(), settings.viewerToken());
        if (settings.adminToken().isEmpty()) {
            LOG.warn("CLEARINGHOUSE_ADMIN_TOKEN is not set: the admin API refuses every request");
        }

        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        health.register(new PriceHealthCheck(price));
        health.register(new DatabaseHealthCheck(database));
        health.register(kafkaCheck);
        health.register(new DeliveryHealthCheck(delivery));

        boolean priceKnown = price.current().isPresent();
        context.addRoutes(new SignerEventsRoute(settings, batchProcessor, priceKnown));
        context.addRoutes(new DeliveryRoutes(settings, delivery));
        if (settings.oracleUrl().isPresent()) {
            context.addRoutes(new PriceOracleRoute(settings, price));
        }
        context.addRoutes(new UsageApiRoutes(outbox, deadLetters, auth));
        context.addRoutes(new LedgerApiRoutes(ledger, new CustomerUsage(database), reconciliation, auth, clock));
        context.addRoutes(new SignerBridgeRoutes(bridge.authorizer(), bridge.settings().webhookSecret(),
                bridge.metrics()));
        context.addRoutes(new ApiKeyRoutes(bridge.keys(), bridge.keyVerifier(), auth, clock));
        if (bridge.settings().signerUrl().isPresent()) {
            context.addRoutes(new SignerProbeRoute(bridge.settings(), bridge.signer(), clock));
            health.register(new SignerHealthCheck(bridge.signer(), bridge.settings().signerUrl().get()));
        }
        if (!priceKnown) {
            new MeteringGate(context, price, SignerEventsRoute.ROUTE_ID).install();
        }
    }

    private BridgeServices bridge(CamelContext context, Database database, Ledger ledger,
                                  PrometheusMeterRegistry registry) {
        BridgeSettings settings = BridgeSettings.from(context);
        LOG.info("Signer bridge: {}", settings);
        if (settings.webhookSecret().isEmpty()) {
            LOG.warn("WEBHOOK_SECRET is not set: POST /authorize refuses every call");
        }
        ApiKeys keys = new ApiKeys(database, clock, settings.apiKeyPrefix());
        ApiKeyVerifier keyVerifier = new ApiKeyVerifier(keys, clock, settings.keyCacheTtl());
        CredentialVerifier verifier = settings.authMode().equals("oidc")
                ? new OidcVerifier(new OidcVerifier.Config(settings.oidcIssuer().orElseThrow(),
                        settings.oidcAudiences(), settings.oidcJwksUri().orElseThrow(), settings.oidcClientClaim(),
                        settings.oidcSubjectClaim(), settings.oidcSubjectType(), settings.oidcRequiredScopes()))
                : keyVerifier;
        Authorizer authorizer = new Authorizer(verifier,
                customer -> ledger.account(AccountKeys.customer(customer)).map(Account::balance), clock,
                settings.expiryTtl(), settings.balanceFloor());
        SignerStatus signer = new SignerStatus();
        return new BridgeServices(settings, keys, keyVerifier, authorizer, signer,
                new BridgeMetrics(registry, keyVerifier, signer));
    }

    private static Catalog loadCatalog(Settings settings) throws IOException {
        if (settings.catalogFile().isEmpty()) {
            return Catalog.defaultCatalog();
        }
        Path file = Path.of(settings.catalogFile().get());
        try (InputStream in = Files.newInputStream(file)) {
            // the same checks as `bootstrap validate`: a catalog OpenMeter would refuse is not metered with either
            Catalog catalog = CatalogValidator.requireValid(Catalog.parse(in), file.toString());
            LOG.info("Catalog {}: {} markup rule(s)", file, catalog.markupRules().size());
            return catalog;
        }
    }

    private static Consumer<List<DeadLetterEntry>> deadLetterPublisher(CamelContext context, Settings settings) {
        if (settings.deadLetterTopic().isEmpty()) {
            return deadLetters -> { };
        }
        String uri = "kafka:" + settings.deadLetterTopic().get()
                + "?valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer";
        ProducerTemplate[] template = new ProducerTemplate[1];
        return deadLetters -> {
            try {
                if (template[0] == null) {
                    template[0] = context.createProducerTemplate();
                }
                for (DeadLetterEntry d : deadLetters) {
                    template[0].send(uri, exchange -> {
                        exchange.getMessage().setBody(d.raw());
                        if (d.key() != null) {
                            exchange.getMessage().setHeader(KafkaConstants.KEY, d.key());
                        }
                        exchange.getMessage().setHeader("clearinghouse_reason", d.reason());
                        exchange.getMessage().setHeader("clearinghouse_source", d.source().toString());
                    });
                }
            } catch (RuntimeException e) {
                // the dead_letters table is the record; the topic is a convenience
                LoggerFactory.getLogger(ClearinghouseConfiguration.class)
                        .warn("Dead letters not published to {}: {}", settings.deadLetterTopic().get(), e.getMessage());
            }
        };
    }
}
