package io.livepeer.clearinghouse.processors.price;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An ETH/USD price and where it came from.
 *
 * @param usdPerEth  price of 1 ETH in USD, positive
 * @param observedAt when the price was obtained (fetch time for an oracle, start time for a static price)
 * @param source     {@code static} or {@code oracle:<host>}; recorded on each CloudEvent as {@code price_source}
 */
public record PriceQuote(BigDecimal usdPerEth, Instant observedAt, String source) {

    /** The source of a price configured by the operator ({@code ETH_USD_PRICE}): it does not age. */
    public static final String STATIC_SOURCE = "static";

    public PriceQuote {
        Objects.requireNonNull(usdPerEth, "usdPerEth");
        Objects.requireNonNull(observedAt, "observedAt");
        Objects.requireNonNull(source, "source");
        if (usdPerEth.signum() <= 0) {
            throw new IllegalArgumentException("ETH/USD price must be positive, got " + usdPerEth.toPlainString());
        }
    }

    /** A configured price ({@link #STATIC_SOURCE}), as opposed to one observed from an oracle. */
    public boolean isStatic() {
        return STATIC_SOURCE.equals(source);
    }

    /** Age of this quote at {@code now}. */
    public Duration age(Instant now) {
        return Duration.between(observedAt, now);
    }
}
