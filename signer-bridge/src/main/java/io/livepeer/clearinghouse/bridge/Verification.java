package io.livepeer.clearinghouse.bridge;

/** The outcome of checking a credential. */
public sealed interface Verification {

    /** A valid credential and who it belongs to. */
    record Verified(Principal principal) implements Verification {}

    /**
     * A credential that does not allow spending.
     *
     * @param status webhook status for the gateway: 401 (unknown, malformed or expired) or 403 (revoked, not allowed)
     * @param code   machine-readable reason, e.g. {@code credential_revoked}
     * @param reason human-readable reason
     */
    record Denied(int status, String code, String reason) implements Verification {}
}
