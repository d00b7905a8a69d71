package io.livepeer.clearinghouse.routes.metering;

import org.apache.camel.builder.RouteBuilder;

/** Refreshes {@link ConsumerLag} on a timer, so a Prometheus scrape never waits for the brokers. */
public final class ConsumerLagRoute extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "kafka-consumer-lag";

    private final ConsumerLag lag;
    private final String period;

    /**
     * @param lag    the gauge to refresh
     * @param period timer period, e.g. {@code 15s}
     */
    public ConsumerLagRoute(ConsumerLag lag, String period) {
        this.lag = lag;
        this.period = period;
    }

    @Override
    public void configure() {
        from("timer:" + ROUTE_ID + "?period=" + period)
                .routeId(ROUTE_ID)
                .process(exchange -> lag.refresh())
                .id("refresh-consumer-lag");
    }
}
