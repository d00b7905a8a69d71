package io.livepeer.clearinghouse.routes.reconcile;

import org.apache.camel.builder.RouteBuilder;

/**
 * {@code reconcile-openmeter}: a timer that runs {@link ReconcileJob} every {@code clearinghouse.reconcile.interval},
 * first after {@code clearinghouse.reconcile.initial-delay}. Every instance runs it: the check only reads (the
 * database and OpenMeter's meter queries), so no cluster lock is needed; a run never overlaps the previous one on the
 * same instance.
 */
public final class ReconcileRoute extends RouteBuilder {

    /** The route id. */
    public static final String ROUTE_ID = "reconcile-openmeter";

    private final ReconcileSettings settings;
    private final ReconcileJob job;

    /**
     * @param settings the schedule
     * @param job      the run
     */
    public ReconcileRoute(ReconcileSettings settings, ReconcileJob job) {
        this.settings = settings;
        this.job = job;
    }

    @Override
    public void configure() {
        from("timer:" + ROUTE_ID + "?delay=" + settings.initialDelay().toMillis() + "&period="
                        + settings.interval().toMillis())
                .routeId(ROUTE_ID)
                .process(exchange -> exchange.getMessage().setBody(job.run()))
                .id(ROUTE_ID + "-run");
    }
}
