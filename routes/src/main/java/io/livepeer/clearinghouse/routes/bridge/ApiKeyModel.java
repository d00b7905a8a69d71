package io.livepeer.clearinghouse.routes.bridge;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * Request and response bodies of API key management ({@link ApiKeyRoutes}, reference:
 * {@code docs/signer-bridge.md}), snake_case JSON; times are RFC 3339 UTC.
 */
public final class ApiKeyModel {

    private ApiKeyModel() {}

    /**
     * {@code POST /api/keys}.
     *
     * @param clientId     the application (no colon: it separates client and subject in the auth id)
     * @param usageSubject the end user, or for {@code app_owner} the owner's user id
     * @param subjectType  {@code external_user_id} (default), {@code app_owner}, ...
     * @param description  free text
     * @param expiresAt    RFC 3339 expiry, optional
     * @param maxPrice     optional price ceiling returned to the signer
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record CreateKey(
            @NotBlank @Size(max = 255) @Pattern(regexp = "[^:]+", message = "must not contain ':'")
            String clientId,

            @NotBlank @Size(max = 255) String usageSubject,

            @Pattern(regexp = "[a-z][a-z0-9_]{0,63}", message = "must be lower-case letters, digits and _")
            String subjectType,

            @Size(max = 500) String description,
            Instant expiresAt,
            @Valid MaxPriceBody maxPrice) {}

    /**
     * A price ceiling.
     *
     * @param price wei per unit
     * @param unit  seconds, 720p-pixel-seconds or fixed
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record MaxPriceBody(
            @NotNull @Positive BigInteger price,

            @NotNull
            @Pattern(
                    regexp = "seconds|720p-pixel-seconds|fixed",
                    message = "must be seconds, 720p-pixel-seconds or fixed")
            String unit) {}

    /**
     * {@code POST /api/keys/{id}/expire} (the body is optional).
     *
     * @param at when the key stops working; now when absent
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record ExpireKey(Instant at) {}

    /**
     * An API key as the API shows it (never its secret).
     *
     * @param prefix  the key's first characters, to recognise it
     * @param authId  {@code <client_id>:<usage_subject>}, the {@code auth_id} metering bills
     * @param state   active, expired or revoked
     * @param maxPrice the price ceiling, or null
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record KeyView(
            String id,
            String prefix,
            String clientId,
            String usageSubject,
            String subjectType,
            String authId,
            String state,
            String description,
            Instant createdAt,
            Instant expiresAt,
            Instant revokedAt,
            MaxPriceView maxPrice) {}

    /**
     * A price ceiling as the signer receives it.
     *
     * @param price    wei per unit
     * @param currency always {@code wei}
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record MaxPriceView(BigInteger price, String currency, String unit) {}

    /**
     * {@code POST /api/keys}: the new key, with its secret shown this once.
     *
     * @param key     the secret ({@code sk_live_…}) for {@code Authorization: Bearer}
     * @param warning that it is not shown again
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record CreatedKey(@JsonUnwrapped KeyView view, String key, String warning) {}

    /** {@code GET /api/keys}: a page, newest first. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record KeyPage(List<KeyView> keys, String nextCursor) {}
}
