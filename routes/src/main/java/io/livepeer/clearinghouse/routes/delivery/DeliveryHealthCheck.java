package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.routes.core.HealthMessages;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Reports OpenMeter delivery: disabled, idle, delivering or backing off, with the last error. Always UP: an
 * OpenMeter outage does not stop metering (events wait in the outbox), so it must not take the service out of
 * rotation; the details and the backlog metrics say how far behind it is.
 */
public final class DeliveryHealthCheck extends AbstractHealthCheck {

    private final OutboxDelivery delivery;

    public DeliveryHealthCheck(OutboxDelivery delivery) {
        super("clearinghouse", "openmeter-delivery");
        this.delivery = delivery;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        OutboxDelivery.Status status = delivery.status();
        builder.detail("state", status.state().name().toLowerCase());
        if (status.target() != null) {
            builder.detail("target", status.target());
        }
        if (status.lastSuccessAt() != null) {
            builder.detail("last_success_at", status.lastSuccessAt().toString());
        }
        if (status.lastError() != null) {
            builder.detail("last_error", status.lastError());
            builder.detail("consecutive_failures", status.consecutiveFailures());
        }
        if (status.retryAt() != null) {
            builder.detail("retry_at", status.retryAt().toString());
        }
        builder.message(HealthMessages.safe(
                switch (status.state()) {
                    case DISABLED -> "delivery disabled (no OPENMETER_URL): events stay pending in the outbox";
                    case BACKING_OFF -> "OpenMeter unavailable, retrying: " + status.lastError();
                    default -> "delivering to " + status.target();
                }));
        builder.up();
    }
}
