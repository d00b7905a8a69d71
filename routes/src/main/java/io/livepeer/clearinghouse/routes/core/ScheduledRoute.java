package io.livepeer.clearinghouse.routes.core;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.camel.builder.RouteBuilder;

/**
 * A timer route for a periodic job: first run after {@code initialDelay}, then every {@code period}; a run never
 * overlaps the previous one on the same instance (Camel's timer is single-threaded). The job's result becomes the
 * message body (visible to route tests). A failed run is logged and counted by Camel and tried again on the next
 * tick. Used by the retention ({@code retention}) and reconcile ({@code reconcile-openmeter}) flows; jobs that must
 * run once across instances need a cluster lock instead (both of these are idempotent or read-only).
 */
public final class ScheduledRoute extends RouteBuilder {

    private final String routeId;
    private final Duration initialDelay;
    private final Duration period;
    private final Callable<?> job;

    /**
     * @param routeId      the route id (also the timer's name); the job's step is {@code <routeId>-run}
     * @param initialDelay before the first run
     * @param period       between runs
     * @param job          one run; its result is the body
     */
    public ScheduledRoute(String routeId, Duration initialDelay, Duration period, Callable<?> job) {
        this.routeId = routeId;
        this.initialDelay = initialDelay;
        this.period = period;
        this.job = job;
    }

    @Override
    public void configure() {
        from("timer:" + routeId + "?delay=" + initialDelay.toMillis() + "&period=" + period.toMillis())
                .routeId(routeId)
                .process(exchange -> exchange.getMessage().setBody(job.call()))
                .id(routeId + "-run");
    }
}
