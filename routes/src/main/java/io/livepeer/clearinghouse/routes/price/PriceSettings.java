package io.livepeer.clearinghouse.routes.price;

import io.livepeer.clearinghouse.processors.price.PriceGuard;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * The ETH/USD price ({@code clearinghouse.price.*}): a static price (USD per ETH, exact decimal) or an oracle
 * refreshed on a schedule; the oracle wins when both are set. {@link #toString()} shows only the oracle's host (its
 * URL may carry an API key).
 *
 * @param staticPrice     static USD per ETH
 * @param oracleUrl       price oracle URL (may carry an API key: secret)
 * @param oracleRefresh   oracle refresh period
 * @param oracleRetry     delay before retrying a failed oracle call
 * @param priceStaleAfter a price older than this is reported stale
 * @param guard           the plausibility bounds of an oracle price
 */
public record PriceSettings(
        Optional<BigDecimal> staticPrice,
        Optional<String> oracleUrl,
        Duration oracleRefresh,
        Duration oracleRetry,
        Duration priceStaleAfter,
        PriceGuard guard) {

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static PriceSettings from(SettingsReader r) {
        return new PriceSettings(
                r.optionalPositiveDecimal("clearinghouse.price.static"),
                r.optionalHttpUrl("clearinghouse.price.oracle-url"),
                r.duration("clearinghouse.price.oracle-refresh"),
                r.duration("clearinghouse.price.oracle-retry"),
                r.duration("clearinghouse.price.stale-after"),
                guard(r));
    }

    private static PriceGuard guard(SettingsReader r) {
        try {
            return new PriceGuard(
                    r.decimal("clearinghouse.price.min-usd"),
                    r.decimal("clearinghouse.price.max-usd"),
                    r.decimal("clearinghouse.price.max-jump-ratio"));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("clearinghouse.")) {
                throw e;
            }
            throw new IllegalArgumentException("clearinghouse.price.min-usd/max-usd/max-jump-ratio: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "PriceSettings["
                + (oracleUrl.isPresent()
                        ? "oracle " + SettingsReader.host(oracleUrl.get()) + " every " + oracleRefresh
                        : staticPrice.map(p -> "static " + p.toPlainString()).orElse("none"))
                + ", stale after " + priceStaleAfter + "]";
    }
}
