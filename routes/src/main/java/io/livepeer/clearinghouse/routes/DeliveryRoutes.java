package io.livepeer.clearinghouse.routes;

import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
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

    private final Settings settings;
    private final OutboxDelivery delivery;

    public DeliveryRoutes(Settings settings, OutboxDelivery delivery) {
        this.settings = settings;
        this.delivery = delivery;
    }

    @Override
    public void configure() {
        long period = delivery.enabled() ? settings.deliveryPollInterval().toMillis() : 2000;
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
