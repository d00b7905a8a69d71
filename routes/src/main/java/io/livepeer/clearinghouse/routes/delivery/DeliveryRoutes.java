package io.livepeer.clearinghouse.routes.delivery;

import java.sql.SQLException;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Outbox → OpenMeter: a timer drives {@link OutboxDelivery}, which POSTs batches through
 * {@code direct:openmeter-ingest}. The ingest route clears every inbound header first (so nothing leaks as an HTTP
 * header), sends the bare {@code application/cloudevents-batch+json} content type (OpenMeter v1 compares it exactly)
 * and sets {@code Authorization: Bearer} itself when a token is configured.
 */
public final class DeliveryRoutes extends RouteBuilder {

    /** Route id of the delivery loop. */
    public static final String DELIVERY_ROUTE_ID = "outbox-delivery";
    /** Route id of the HTTP call. */
    public static final String INGEST_ROUTE_ID = "openmeter-ingest";

    private final DeliverySettings settings;
    private final OutboxDelivery delivery;

    /**
     * @param settings delivery settings
     * @param delivery the delivery logic the timer drives
     */
    public DeliveryRoutes(DeliverySettings settings, OutboxDelivery delivery) {
        this.settings = settings;
        this.delivery = delivery;
    }

    @Override
    public void configure() {
        // without a target the loop only refreshes the backlog gauges
        String period = delivery.enabled() ? "{{clearinghouse.openmeter.poll-interval}}" : "2s";
        from("timer:outbox-delivery?period=" + period + "&delay=500")
                .routeId(DELIVERY_ROUTE_ID)
                .onException(SQLException.class)
                    .handled(true)
                    .log(LoggingLevel.WARN, "Outbox not readable, delivery waits: ${exception.message}")
                .end()
                .process(exchange -> delivery.deliverPending())
                .id("deliver-pending");

        if (settings.openmeterUrl().isEmpty()) {
            return;
        }
        OpenMeterEndpoint endpoint = OpenMeterEndpoint.of(settings.openmeterUrl().get());
        String token = settings.openmeterToken().orElse(null);
        String uri = endpoint.ingestUrl() + (endpoint.ingestUrl().contains("?") ? "&" : "?")
                + "throwExceptionOnFailure=false";
        from(CamelHttpIngest.ENDPOINT)
                .routeId(INGEST_ROUTE_ID)
                .removeHeaders("*")
                .setHeader(Exchange.HTTP_METHOD, constant("POST"))
                .setHeader(Exchange.CONTENT_TYPE, constant("application/cloudevents-batch+json"))
                .setHeader("Accept", constant("application/json, application/problem+json"))
                // a processor, not a constant: the token must not appear in route dumps or logs
                .process(exchange -> {
                    if (token != null) {
                        exchange.getMessage().setHeader("Authorization", "Bearer " + token);
                    }
                })
                .id("set-authorization")
                .to(uri)
                .id("post-to-openmeter");
    }
}
