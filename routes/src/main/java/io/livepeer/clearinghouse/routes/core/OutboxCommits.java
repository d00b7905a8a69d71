package io.livepeer.clearinghouse.routes.core;

/**
 * The in-process signal "a metering batch committed new outbox rows" (issue 10): the metering route sends to
 * {@link #ENDPOINT} after a batch that stored new events, and the delivery flow's wake route consumes it and starts a
 * delivery pass at once, so end-to-end latency is bounded by the Kafka batching interval rather than by the delivery
 * timer. Other instances are not signalled: their timer ({@code clearinghouse.openmeter.poll-interval}) still picks up
 * whatever they can claim.
 *
 * <p>A {@code seda} queue of one: a signal sent while one is already waiting is dropped (the waiting one starts a pass
 * that sees both batches), and the sender never waits, so the metering route is never slowed by delivery. Flows do not
 * import each other; both use this constant.
 */
public final class OutboxCommits {

    /** The queue both sides use (the same URI, so one endpoint with one queue). */
    public static final String ENDPOINT =
            "seda:outbox-committed?size=1&blockWhenFull=false&discardWhenFull=true" + "&waitForTaskToComplete=Never";

    /** Exchange property the metering batch processor sets: how many new outbox rows the batch committed (int). */
    public static final String NEW_EVENTS = "clearinghouse.outbox.newEvents";

    private OutboxCommits() {}
}
