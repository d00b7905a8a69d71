package io.livepeer.clearinghouse.routes.bridge;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The shapes of {@code POST /authorize} for the OpenAPI document. The webhook reads and writes its bodies itself,
 * byte for byte as go-livepeer's contract wants them (DESIGN.md §7: {@code WebhookRequest} parses the request,
 * {@code Decision#toJson} writes the answer); these records describe those bodies and a test keeps them equal.
 */
public final class AuthorizeModel {

    private AuthorizeModel() {}

    /**
     * What the remote signer POSTs ({@code server/remote_signer.go}).
     *
     * @param headers all of the gateway request's headers, Go-canonical names to lists of values
     * @param state   the payment state with Go field names ({@code StateID, PMSessionID, LastUpdate,
     *                OrchestratorAddress, App, AuthExpiry, SenderNonce, Balance, InitialPricePerUnit,
     *                InitialPixelsPerUnit, Type, SequenceNumber, AuthID})
     */
    public record AuthorizeRequest(Map<String, List<String>> headers, Map<String, Object> state) {}

    /**
     * The decision, always with HTTP 200 (other HTTP statuses mean the caller is wrong: 401 without the webhook
     * secret, 400 for a body that is not the signer's JSON or is a form, 413 over 64 KiB, 503 without a secret).
     *
     * @param status   200 allows; anything else goes to the gateway as-is (401, 403, 483 insufficient balance,
     *                 503 billing unavailable)
     * @param reason   why, in words
     * @param code     why, machine-readable ({@code insufficient_balance}, {@code credential_revoked}, ...)
     * @param expiry   unix seconds until which the signer skips the webhook for this session
     * @param authId   the auth id metering bills ({@code <client>:<subject>})
     * @param maxPrice the customer's price ceiling
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuthorizeResponse(
            int status,
            String reason,
            String code,
            Long expiry,
            @JsonProperty("auth_id") String authId,
            @JsonProperty("maxPrice") MaxPrice maxPrice) {}

    /**
     * @param price    wei per unit
     * @param currency always {@code wei}
     * @param unit     seconds, 720p-pixel-seconds or fixed
     */
    public record MaxPrice(BigInteger price, String currency, String unit) {}
}
