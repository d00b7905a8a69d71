package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.routes.core.HealthMessages;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Reports OpenMeter delivery: disabled, idle, delivering or backing off, with the last error. UP through an OpenMeter
 * outage (429, 5xx, timeouts: events wait in the outbox and delivery resumes by itself; the details and the backlog
 * metrics say how far behind it is). DOWN while delivery is paused by a failure that needs a person
 * ({@link OutboxDelivery.PauseReason}: unauthorized, forbidden, not found, rejected or refused by the server), with the
 * reason and the server's answer (clipped) in the message; delivery keeps retrying and the check is UP again after
 * the first success.
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
        if (status.pauseReason() != null) {
            builder.detail("paused", status.pauseReason().tag());
            builder.message(HealthMessages.safe("OpenMeter delivery paused, "
                    + status.pauseReason().label() + " (events wait in the outbox, retrying): " + status.lastError()));
            builder.down();
            return;
        }
        builder.message(HealthMessages.safe(
                switch (status.state()) {
                    case DISABLED -> "delivery disabled (no OPENMETER_URL): events stay pending in the outbox";
                    case BACKING_OFF -> "OpenMeter unavailable, retrying: " + status.lastError();
                    default ->
                        status.consecutiveFailures() > 0
                                ? "OpenMeter unavailable, retrying: " + status.lastError()
                                : "delivering to " + status.target();
                }));
        builder.up();
    }
}
