package io.livepeer.clearinghouse.routes.price;

import io.livepeer.clearinghouse.routes.core.PriceService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * The price's Prometheus gauges (on {@code /observe/metrics}): {@code clearinghouse_price_age_seconds} (-1 without a
 * price), {@code clearinghouse_price_stale} (0/1) and {@code clearinghouse_price_usd} (display only: metering uses
 * exact decimals).
 */
public final class PriceMetrics {

    private PriceMetrics() {}

    /** Registers the gauges over {@code price}. */
    public static void register(MeterRegistry registry, PriceService price) {
        Gauge.builder(
                        "clearinghouse.price.age.seconds",
                        price,
                        p -> p.age().map(Duration::toSeconds).orElse(-1L))
                .description("Age of the ETH/USD price, -1 without a price")
                .register(registry);
        Gauge.builder("clearinghouse.price.stale", price, p -> p.isStale() ? 1 : 0)
                .description("1 when the ETH/USD price is older than the stale threshold")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.price.usd",
                        price,
                        p -> p.current().map(q -> q.usdPerEth().doubleValue()).orElse(0.0))
                .description("ETH/USD price in use (display only; metering uses exact decimals)")
                .register(registry);
    }
}
