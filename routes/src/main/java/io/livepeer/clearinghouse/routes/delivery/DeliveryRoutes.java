package io.livepeer.clearinghouse.routes.delivery;

import java.sql.SQLException;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Outbox → OpenMeter: a timer drives {@link OutboxDelivery}, which POSTs batches with the {@code openmeter} module's
 * client (JDK HTTP: only the headers it sets are sent, the bare {@code application/cloudevents-batch+json} content
 * type, {@code Authorization: Bearer} when a token is configured).
 */
public final class DeliveryRoutes extends RouteBuilder {

    /** Route id of the delivery loop. */
    public static final String DELIVERY_ROUTE_ID = "outbox-delivery";

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
    }
}
