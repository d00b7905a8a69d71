package io.livepeer.clearinghouse.routes.ledger;

import org.apache.camel.builder.RouteBuilder;

/** Refreshes {@link LedgerMetrics} on a timer. */
public final class LedgerMetricsRoute extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "ledger-metrics";

    private final LedgerMetrics metrics;
    private final String period;

    /**
     * @param metrics the gauges to refresh
     * @param period  timer period, e.g. {@code 30s}
     */
    public LedgerMetricsRoute(LedgerMetrics metrics, String period) {
        this.metrics = metrics;
        this.period = period;
    }

    @Override
    public void configure() {
        from("timer:" + ROUTE_ID + "?period=" + period)
                .routeId(ROUTE_ID)
                .process(exchange -> metrics.refresh())
                .id("refresh-ledger-metrics");
    }
}
