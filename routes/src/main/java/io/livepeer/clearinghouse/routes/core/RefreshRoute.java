package io.livepeer.clearinghouse.routes.core;

import org.apache.camel.builder.RouteBuilder;

/**
 * A timer route that refreshes cached gauges, so a Prometheus scrape reads values and never waits for a database,
 * a broker or a health check. Used by the core ({@code health-metrics}), metering ({@code kafka-consumer-lag}) and
 * ledger ({@code ledger-metrics}) flows. A failed refresh is logged by Camel and tried again on the next tick; the
 * gauges keep their last values.
 */
public final class RefreshRoute extends RouteBuilder {

    /** What the timer runs. */
    @FunctionalInterface
    public interface Refresh {
        /** @throws Exception when the source cannot be read this time */
        void refresh() throws Exception;
    }

    private final String routeId;
    private final String period;
    private final Refresh refresh;

    /**
     * @param routeId the route id (also the timer's name)
     * @param period  timer period, e.g. {@code 10s}
     * @param refresh what to run on each tick
     */
    public RefreshRoute(String routeId, String period, Refresh refresh) {
        this.routeId = routeId;
        this.period = period;
        this.refresh = refresh;
    }

    @Override
    public void configure() {
        from("timer:" + routeId + "?period=" + period)
                .routeId(routeId)
                .process(exchange -> refresh.refresh())
                .id(routeId + "-refresh");
    }
}
