package io.livepeer.clearinghouse.routes.price;

import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The price flow: binds the {@link PriceService} that metering reads, installs a static price or the
 * {@link PriceOracleRoute}, and registers {@link PriceHealthCheck} and {@link PriceMetrics}.
 */
public final class PriceConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(PriceConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PriceSettings settings = PriceSettings.from(SettingsReader.of(context));
        LOG.info("Price: {}", settings);
        Clock clock = Beans.require(context, Clock.class);
        PriceService price = Beans.bind(context, new PriceService(settings.priceStaleAfter(), clock));
        Beans.bind(context, settings);
        if (settings.oracleUrl().isEmpty() && settings.staticPrice().isPresent()) {
            price.update(new PriceQuote(settings.staticPrice().get(), clock.instant(), PriceQuote.STATIC_SOURCE));
        } else if (settings.oracleUrl().isPresent() && settings.staticPrice().isPresent()) {
            LOG.warn("Both ETH_USD_PRICE and PRICE_ORACLE_URL are set: the oracle is used, the static price ignored");
        } else if (settings.oracleUrl().isEmpty()) {
            LOG.warn("No ETH/USD price configured (ETH_USD_PRICE or PRICE_ORACLE_URL): metering will not start");
        }
        PriceMetrics.register(Beans.require(context, PrometheusMeterRegistry.class), price);
        HealthCheckRegistry.get(context).register(new PriceHealthCheck(price));
        if (settings.oracleUrl().isPresent()) {
            context.addRoutes(new PriceOracleRoute(settings, price));
        }
    }
}
