package io.livepeer.clearinghouse.bridge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.processors.json.Json;

/**
 * The webhook's answer (go-livepeer {@code server/remote_signer.go} {@code authResponse}), always sent with HTTP 200:
 * {@code status} 200 lets the signer sign; anything else is returned to the gateway as-is with {@code reason}.
 *
 * @param status   200 allow; 401/403 credential refused; 483 insufficient balance; 503 billing unavailable
 * @param code     machine-readable reason (ignored by go-livepeer), or null
 * @param reason   human-readable reason, or null
 * @param expiry   unix seconds until which the signer skips the webhook for this session, or null
 * @param authId   {@code auth_id} to stamp into events, or null
 * @param maxPrice price ceiling, or null
 */
public record Decision(int status, String code, String reason, Long expiry, String authId, MaxPrice maxPrice) {

    /** The go-livepeer status for a customer without enough credit. */
    public static final int INSUFFICIENT_BALANCE = 483;

    /** A refusal. */
    public static Decision deny(int status, String code, String reason) {
        return new Decision(status, code, reason, null, null, null);
    }

    /** Whether the signer may sign. */
    public boolean allowed() {
        return status == 200;
    }

    /** The JSON body. */
    public ObjectNode toJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("status", status);
        if (reason != null) {
            node.put("reason", reason);
        }
        if (code != null) {
            node.put("code", code);
        }
        if (expiry != null) {
            node.put("expiry", expiry);
        }
        if (authId != null) {
            node.put("auth_id", authId);
        }
        if (maxPrice != null) {
            node.set("maxPrice", maxPrice.toJson());
        }
        return node;
    }
}
