package io.livepeer.clearinghouse.routes.core;

import org.apache.camel.builder.RouteBuilder;

/** Refreshes {@link HealthMetrics} on a timer. */
public final class HealthMetricsRoute extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "health-metrics";

    private final HealthMetrics health;
    private final String period;

    /**
     * @param health the gauges to refresh
     * @param period timer period, e.g. {@code 10s}
     */
    public HealthMetricsRoute(HealthMetrics health, String period) {
        this.health = health;
        this.period = period;
    }

    @Override
    public void configure() {
        from("timer:" + ROUTE_ID + "?period=" + period)
                .routeId(ROUTE_ID)
                .process(exchange -> health.refresh())
                .id("refresh-health-metrics");
    }
}
