package io.livepeer.clearinghouse.routes.retention;

import org.apache.camel.builder.RouteBuilder;

/**
 * {@code retention}: a timer that runs {@link RetentionJob} every {@code clearinghouse.retention.interval}, first
 * after {@code clearinghouse.retention.initial-delay}. Every instance runs it (no cluster lock needed: the work is
 * idempotent deletes and updates in short batches); a pass never overlaps the previous one on the same instance.
 */
public final class RetentionRoute extends RouteBuilder {

    /** The route id. */
    public static final String ROUTE_ID = "retention";

    private final RetentionSettings settings;
    private final RetentionJob job;

    /**
     * @param settings the schedule
     * @param job      the pass
     */
    public RetentionRoute(RetentionSettings settings, RetentionJob job) {
        this.settings = settings;
        this.job = job;
    }

    @Override
    public void configure() {
        from("timer:" + ROUTE_ID + "?delay=" + settings.initialDelay().toMillis() + "&period="
                        + settings.interval().toMillis())
                .routeId(ROUTE_ID)
                .process(exchange -> exchange.getMessage().setBody(job.run()))
                .id(ROUTE_ID + "-pass");
    }
}
