package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.bridge.SignerStatus;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Reports the remote signer probe. Always UP: the signer calls this service, so taking the service out of rotation
 * when the signer is down would only delay recovery; the message and {@code clearinghouse_signer_up} say whether
 * the signer answers.
 */
public final class SignerHealthCheck extends AbstractHealthCheck {

    private final SignerStatus status;
    private final String url;

    public SignerHealthCheck(SignerStatus status, String url) {
        super("clearinghouse", "remote-signer");
        this.status = status;
        this.url = url;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String host = url.replaceAll("^[a-z]+://", "");
        if (status.address() != null) {
            builder.detail("address", status.address());
        }
        if (status.lastSeenAt() != null) {
            builder.detail("last_seen_at", status.lastSeenAt().toString());
        }
        if (status.lastProbeAt() == null) {
            builder.message("remote signer at " + host + " not probed yet");
        } else if (status.up()) {
            builder.message("remote signer " + status.address() + " answers at " + host);
        } else {
            builder.message("remote signer unreachable at " + host + ": " + status.lastError());
        }
        builder.up();
    }
}
