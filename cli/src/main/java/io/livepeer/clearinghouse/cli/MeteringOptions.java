package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.metering.MeteringConfiguration;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import io.livepeer.clearinghouse.routes.price.PriceSettings;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import picocli.CommandLine.Option;

/**
 * How the offline metering commands ({@code replay --from-…}, {@code dead-letters redrive}) meter: with the
 * application's own settings ({@code application.properties} and its environment variables: catalog, CloudEvent
 * source, limits, ledger fan-out, Kafka), and the ETH/USD price of {@code --eth-usd-price}, else the application's
 * static price ({@code ETH_USD_PRICE}). An application that prices with an oracle needs {@code --eth-usd-price}: the
 * command does not call the oracle. A picocli mixin.
 */
final class MeteringOptions {

    @Option(
            names = "--eth-usd-price",
            paramLabel = "USD",
            description = "ETH/USD price to convert fees with (default: $ETH_USD_PRICE; required when the application"
                    + " prices with PRICE_ORACLE_URL)")
    BigDecimal ethUsdPrice;

    /**
     * The application's metering settings, with {@code overrides} (setting key → value) applied.
     *
     * @throws IllegalArgumentException naming the key of an invalid setting
     */
    static MeteringSettings settings(Properties overrides) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("classpath:application.properties");
            context.getPropertiesComponent().setOverrideProperties(overrides);
            return MeteringSettings.from(SettingsReader.of(context));
        }
    }

    /**
     * The price every record is converted with.
     *
     * @throws IllegalArgumentException when no price is given nor configured statically, or it is not positive
     */
    PriceQuote price(Clock clock) throws Exception {
        if (ethUsdPrice != null) {
            if (ethUsdPrice.signum() <= 0) {
                throw new IllegalArgumentException("--eth-usd-price must be positive, got " + ethUsdPrice);
            }
            return new PriceQuote(ethUsdPrice, clock.instant(), "--eth-usd-price");
        }
        PriceSettings price;
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("classpath:application.properties");
            price = PriceSettings.from(SettingsReader.of(context));
        }
        if (price.oracleUrl().isPresent() || price.staticPrice().isEmpty()) {
            throw new IllegalArgumentException("no ETH/USD price: give --eth-usd-price"
                    + (price.oracleUrl().isPresent()
                            ? " (the application prices with PRICE_ORACLE_URL, which this command does not call)"
                            : " or set ETH_USD_PRICE"));
        }
        return new PriceQuote(price.staticPrice().get(), clock.instant(), PriceQuote.STATIC_SOURCE);
    }

    /** The metering of these settings at this price. */
    static OfflineMetering metering(MeteringSettings settings, PriceQuote price) throws Exception {
        return new OfflineMetering(
                MeteringConfiguration.signerEventMetering(settings, MeteringConfiguration.loadCatalog(settings)),
                price,
                settings.trackSequences());
    }

    /** The recorder of the application: with the credit ledger when its usage fan-out is on. */
    static UsageRecorder recorder(MeteringSettings settings, Database database, Clock clock) {
        return new UsageRecorder(database, settings.usageFanOut() ? new Ledger(database, clock) : null, clock);
    }
}
