package io.livepeer.clearinghouse.bridge;

import java.time.Instant;

/**
 * What the last probe of the remote signer's {@code POST /sign-orchestrator-info} found (go-livepeer
 * {@code server/remote_signer.go}: it answers {@code {"address": "0x…", "signature": "0x…"}}). Thread-safe.
 */
public final class SignerStatus {

    private volatile String address;
    private volatile Instant lastSeenAt;
    private volatile Instant lastProbeAt;
    private volatile String lastError;

    /** Records a successful probe. */
    public void seen(String signerAddress, Instant at) {
        address = signerAddress;
        lastSeenAt = at;
        lastProbeAt = at;
        lastError = null;
    }

    /** Records a failed probe. */
    public void failed(String error, Instant at) {
        lastError = error;
        lastProbeAt = at;
    }

    /** Whether the last probe succeeded. */
    public boolean up() {
        return lastProbeAt != null && lastError == null;
    }

    /** The signer's ETH address from the last successful probe, or null. */
    public String address() {
        return address;
    }

    public Instant lastSeenAt() {
        return lastSeenAt;
    }

    public Instant lastProbeAt() {
        return lastProbeAt;
    }

    public String lastError() {
        return lastError;
    }
}
