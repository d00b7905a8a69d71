package io.livepeer.clearinghouse.bridge;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What go-livepeer's remote signer POSTs to {@code -remoteSignerWebhookUrl} ({@code server/remote_signer.go}
 * {@code generateLivePaymentWebhookBody}): {@code {"headers": {<Go canonical name>: [values]}, "state": {StateID,
 * PMSessionID, LastUpdate, OrchestratorAddress, App, AuthExpiry, SenderNonce, Balance, InitialPricePerUnit,
 * InitialPixelsPerUnit, Type, SequenceNumber, AuthID}}}. The headers are all of the gateway's request headers.
 *
 * @param headers the gateway request's headers
 * @param state   the payment state (Go field names), possibly empty
 */
public record WebhookRequest(Map<String, List<String>> headers, JsonNode state) {

    /**
     * @param body the request body
     * @return the request
     * @throws IllegalArgumentException when the body is not JSON of that shape (the webhook answers HTTP 400)
     */
    public static WebhookRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("body is not JSON");
        } catch (IOException e) {
            throw new IllegalArgumentException("body is unreadable");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object with headers and state");
        }
        JsonNode headersNode = root.path("headers");
        if (!headersNode.isObject()) {
            throw new IllegalArgumentException("headers must be an object of header name to list of values");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = headersNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            List<String> values = new ArrayList<>();
            if (h.getValue().isArray()) {
                for (JsonNode v : h.getValue()) {
                    if (!v.isTextual()) {
                        throw new IllegalArgumentException("header " + h.getKey() + " must hold strings");
                    }
                    values.add(v.textValue());
                }
            } else if (h.getValue().isTextual()) {
                values.add(h.getValue().textValue());
            } else {
                throw new IllegalArgumentException("header " + h.getKey() + " must be a list of strings");
            }
            headers.put(h.getKey(), values);
        }
        JsonNode state = root.path("state");
        if (!state.isMissingNode() && !state.isNull() && !state.isObject()) {
            throw new IllegalArgumentException("state must be an object");
        }
        return new WebhookRequest(
                headers, state.isObject() ? state : Json.mapper().createObjectNode());
    }

    /** First value of a header, name matched case-insensitively. */
    public Optional<String> header(String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
                .map(e -> e.getValue().get(0))
                .findFirst();
    }

    /** {@code state.AuthID}: the auth id the payment session is already bound to, or empty. */
    public String stateAuthId() {
        JsonNode authId = state.path("AuthID");
        return authId.isTextual() ? authId.textValue().trim() : "";
    }
}
