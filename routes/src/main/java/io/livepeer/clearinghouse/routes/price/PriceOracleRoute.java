package io.livepeer.clearinghouse.routes.price;

import io.livepeer.clearinghouse.processors.price.OraclePriceParser;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Refreshes the ETH/USD price from {@code PRICE_ORACLE_URL} every {@code PRICE_ORACLE_REFRESH} (default 5 min).
 * Until the first success, and after a failure, it retries every {@code PRICE_ORACLE_RETRY} (default 10 s). Failures
 * keep the last good price. Only the oracle's scheme and host are ever logged (its URL may carry an API key).
 */
public final class PriceOracleRoute extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "price-oracle";

    private final PriceSettings settings;
    private final PriceService price;
    private volatile Instant nextFetch = Instant.MIN;

    /**
     * @param settings the price settings; an oracle URL must be set
     * @param price    the price the route keeps current
     */
    public PriceOracleRoute(PriceSettings settings, PriceService price) {
        this.settings = settings;
        this.price = price;
    }

    @Override
    public void configure() {
        String oracle = settings.oracleUrl().orElseThrow();
        String source = "oracle:" + SettingsReader.host(oracle);
        Duration refresh = settings.oracleRefresh();
        Duration retry = settings.oracleRetry();
        long tick = Math.max(50, Math.min(refresh.toMillis(), retry.toMillis()));
        String uri = oracle + (oracle.contains("?") ? "&" : "?") + "throwExceptionOnFailure=true";

        from("timer:price-oracle?delay=0&period=" + tick)
                .routeId(ROUTE_ID)
                .filter(exchange -> !price.now().isBefore(nextFetch))
                .removeHeaders("*")
                .setHeader(Exchange.HTTP_METHOD, constant("GET"))
                .setHeader("Accept", constant("application/json"))
                .doTry()
                .to(uri)
                .id("fetch-price")
                .process(exchange -> {
                    byte[] body = exchange.getMessage().getBody(byte[].class);
                    java.math.BigDecimal candidate = OraclePriceParser.parse(body);
                    java.util.Optional<String> refusal = settings.guard()
                            .refusal(price.current().map(PriceQuote::usdPerEth).orElse(null), candidate);
                    if (refusal.isPresent()) {
                        // an absurd price never bills: keep the last good one, report it like a failed refresh
                        price.recordFailure("refused " + refusal.get());
                        nextFetch = price.now().plus(retry);
                        return;
                    }
                    price.update(new PriceQuote(candidate, price.now(), source));
                    nextFetch = price.now().plus(refresh);
                })
                .id("install-price")
                .doCatch(Exception.class)
                .process(exchange -> {
                    Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                    price.recordFailure(SettingsReader.host(oracle) + ": " + describe(e));
                    nextFetch = price.now().plus(retry);
                })
                .id("record-price-failure")
                .end();
    }

    /** An error description that never includes the oracle URL (and so no API key). */
    private static String describe(Exception e) {
        if (e instanceof HttpOperationFailedException http) {
            return "HTTP " + http.getStatusCode();
        }
        if (e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName();
    }
}
