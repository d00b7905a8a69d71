package io.livepeer.clearinghouse.routes.price;

import io.livepeer.clearinghouse.routes.core.HealthMessages;
import io.livepeer.clearinghouse.routes.core.PriceService;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: DOWN until an ETH/USD price is known (metering waits), and DOWN when the price is stale (metering
 * still runs at the last good price, but an operator must look).
 */
public final class PriceHealthCheck extends AbstractHealthCheck {

    private final PriceService price;

    public PriceHealthCheck(PriceService price) {
        super("clearinghouse", "price");
        this.price = price;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        var quote = price.current();
        if (quote.isEmpty()) {
            builder.down()
                    .message(HealthMessages.safe("no ETH-USD price yet: metering waits"
                            + (price.lastError() == null ? "" : " (last error: " + price.lastError() + ")")));
            return;
        }
        builder.detail("usd_per_eth", quote.get().usdPerEth().toPlainString());
        builder.detail("source", quote.get().source());
        builder.detail("age_seconds", price.age().orElseThrow().toSeconds());
        if (price.lastError() != null) {
            builder.detail("last_error", price.lastError());
        }
        if (price.isStale()) {
            builder.down()
                    .message(HealthMessages.safe("ETH-USD price is stale: "
                            + price.age().orElseThrow().toSeconds() + " s old (stale after "
                            + price.staleAfter().toSeconds() + " s); metering continues at it"));
        } else {
            builder.up();
        }
    }
}
