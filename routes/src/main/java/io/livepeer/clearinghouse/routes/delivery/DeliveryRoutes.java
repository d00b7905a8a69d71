package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.routes.core.OutboxCommits;
import java.sql.SQLException;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Outbox → OpenMeter: a timer and the metering batches' commit signal ({@link OutboxCommits}) drive
 * {@link OutboxDelivery}, which POSTs batches with the {@code openmeter} module's
 * client (JDK HTTP: only the headers it sets are sent, the bare {@code application/cloudevents-batch+json} content
 * type, {@code Authorization: Bearer} when a token is configured).
 */
public final class DeliveryRoutes extends RouteBuilder {

    /** Route id of the delivery loop. */
    public static final String DELIVERY_ROUTE_ID = "outbox-delivery";

    /** Route id of the wake-up on commit: a pass as soon as a local metering batch committed new events. */
    public static final String WAKE_ROUTE_ID = "outbox-delivery-wake";

    private final OutboxDelivery delivery;

    /** @param delivery the delivery logic the timer drives */
    public DeliveryRoutes(OutboxDelivery delivery) {
        this.delivery = delivery;
    }

    @Override
    public void configure() {
        // without a target there is nothing to send: tick slowly (the backlog gauges have their own timer)
        String period = delivery.enabled() ? "{{clearinghouse.openmeter.poll-interval}}" : "10s";
        from("timer:outbox-delivery?period=" + period + "&delay=500")
                .routeId(DELIVERY_ROUTE_ID)
                .onException(SQLException.class)
                .handled(true)
                .log(LoggingLevel.WARN, "Outbox not readable, delivery waits: ${exception.message}")
                .end()
                .process(exchange -> delivery.deliverPending())
                .id("deliver-pending");

        // a local metering batch committed new events (OutboxCommits): deliver now rather than on the next tick;
        // passes never overlap (OutboxDelivery#deliverPending), a signal during a pass makes it run once more
        from(OutboxCommits.ENDPOINT)
                .routeId(WAKE_ROUTE_ID)
                .onException(SQLException.class)
                .handled(true)
                .log(LoggingLevel.WARN, "Outbox not readable, delivery waits: ${exception.message}")
                .end()
                .process(exchange -> delivery.deliverPending())
                .id("deliver-on-commit");
    }
}
