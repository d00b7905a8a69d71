package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.http.ApiException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.ApiKeys;
import io.livepeer.clearinghouse.bridge.MaxPrice;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.io.IOException;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * API key management for the signer bridge (admin token): create (the plaintext key is in the response, once),
 * list, revoke, expire. Reference: {@code docs/signer-bridge.md}.
 */
public final class ApiKeyRoutes extends ApiRouteBuilder {

    private final ApiKeys keys;
    private final ApiKeyVerifier verifier;
    private final ApiAuth auth;
    private final Clock clock;

    /**
     * @param verifier the verifier whose cache is dropped after a revoke or expire, or null (OIDC mode)
     */
    public ApiKeyRoutes(ApiKeys keys, ApiKeyVerifier verifier, ApiAuth auth, Clock clock) {
        this.keys = keys;
        this.verifier = verifier;
        this.auth = auth;
        this.clock = clock;
    }

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
    public record CreateKey(
            @NotBlank @Size(max = 255) @Pattern(regexp = "[^:]+", message = "must not contain ':'") String clientId,
            @NotBlank @Size(max = 255) String usageSubject,
            @Pattern(regexp = "[a-z][a-z0-9_]{0,63}", message = "must be lower-case letters, digits and _")
            String subjectType,
            @Size(max = 500) String description,
            Instant expiresAt,
            @Valid MaxPriceBody maxPrice) {
    }

    /**
     * @param price wei per unit
     * @param unit  seconds, 720p-pixel-seconds or fixed
     */
    public record MaxPriceBody(@NotNull @Positive BigInteger price,
                               @NotNull @Pattern(regexp = "seconds|720p-pixel-seconds|fixed",
                                       message = "must be seconds, 720p-pixel-seconds or fixed") String unit) {
    }

    /** @param at when the key stops working; now when absent */
    public record ExpireKey(Instant at) {
    }

    @Override
    public void configure() {
        problems();
        from(ApiSupport.endpoint("/api/keys", "GET,POST")).routeId("api-keys")
                .process(auth.require(Role.ADMIN))
                .choice()
                    .when(header(Exchange.HTTP_METHOD).isEqualTo("POST")).process(this::create)
                    .otherwise().process(this::list)
                .end();
        from(ApiSupport.endpoint("/api/keys/{id}/revoke", "POST")).routeId("api-key-revoke")
                .process(auth.require(Role.ADMIN)).process(this::revoke);
        from(ApiSupport.endpoint("/api/keys/{id}/expire", "POST")).routeId("api-key-expire")
                .process(auth.require(Role.ADMIN)).process(this::expire);
    }

    private void create(Exchange exchange) throws IOException, SQLException {
        CreateKey body = Bodies.read(exchange, CreateKey.class);
        if (body.expiresAt() != null && !body.expiresAt().isAfter(clock.instant())) {
            throw new ApiSupport.BadRequest("expires_at", "expires_at must be in the future");
        }
        MaxPrice maxPrice = body.maxPrice() == null ? null : new MaxPrice(body.maxPrice().price(),
                body.maxPrice().unit());
        ApiKeys.Issued issued = keys.create(body.clientId().trim(), body.usageSubject().trim(),
                body.subjectType() == null ? "external_user_id" : body.subjectType(), body.description(),
                body.expiresAt(), maxPrice);
        ObjectNode json = key(issued.key());
        json.put("key", issued.plaintext());
        json.put("warning", "store this key now: it is not shown again");
        ApiSupport.json(exchange, 201, json);
    }

    private void list(Exchange exchange) throws SQLException {
        int size = ApiSupport.limit(exchange, "size");
        int page = ApiSupport.positiveInt(exchange, "page", 1);
        boolean includeRevoked = "true".equalsIgnoreCase(ApiSupport.query(exchange, "include_revoked"));
        List<ApiKeys.ApiKey> list = keys.list(ApiSupport.query(exchange, "client_id"), includeRevoked,
                (page - 1) * size, size);
        ObjectNode json = Json.mapper().createObjectNode();
        ArrayNode array = json.putArray("keys");
        list.forEach(k -> array.add(key(k)));
        json.put("next_page", list.size() == size ? page + 1 : null);
        ApiSupport.json(exchange, 200, json);
    }

    private void revoke(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        ApiKeys.ApiKey key = keys.revoke(id).orElseThrow(() -> new ApiException(404, "Not Found", "id",
                "no API key " + id, java.util.Map.of()));
        invalidate();
        ApiSupport.json(exchange, 200, key(key));
    }

    private void expire(Exchange exchange) throws IOException, SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        ApiSupport.requireJsonBody(exchange);
        byte[] body = exchange.getMessage().getBody(byte[].class);
        Instant at = body == null || body.length == 0 ? clock.instant()
                : java.util.Optional.ofNullable(Bodies.read(body, ExpireKey.class).at()).orElse(clock.instant());
        ApiKeys.ApiKey key = keys.expire(id, at).orElseThrow(() -> new ApiException(404, "Not Found", "id",
                "no API key " + id, java.util.Map.of()));
        invalidate();
        ApiSupport.json(exchange, 200, key(key));
    }

    private void invalidate() {
        if (verifier != null) {
            verifier.invalidateAll();
        }
    }

    private ObjectNode key(ApiKeys.ApiKey k) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("id", k.id());
        node.put("prefix", k.displayPrefix());
        node.put("client_id", k.clientId());
        node.put("usage_subject", k.usageSubject());
        node.put("subject_type", k.subjectType());
        node.put("auth_id", k.principal().authId());
        node.put("state", k.state(clock.instant()).name().toLowerCase());
        node.put("description", k.description());
        node.put("created_at", k.createdAt().toString());
        node.put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString());
        node.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
        node.set("max_price", k.maxPrice() == null ? null : k.maxPrice().toJson());
        return node;
    }
}
