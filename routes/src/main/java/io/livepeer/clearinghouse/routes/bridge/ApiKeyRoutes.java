package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.ApiKeys;
import io.livepeer.clearinghouse.bridge.MaxPrice;
import io.livepeer.clearinghouse.bridge.Principal;
import io.livepeer.clearinghouse.routes.bridge.ApiKeyModel.CreateKey;
import io.livepeer.clearinghouse.routes.bridge.ApiKeyModel.CreatedKey;
import io.livepeer.clearinghouse.routes.bridge.ApiKeyModel.ExpireKey;
import io.livepeer.clearinghouse.routes.bridge.ApiKeyModel.KeyPage;
import io.livepeer.clearinghouse.routes.bridge.ApiKeyModel.KeyView;
import io.livepeer.clearinghouse.routes.bridge.ApiKeyModel.MaxPriceView;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiException;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * API key management for the signer bridge (admin token): create (the plaintext key is in the response, once),
 * list, revoke, expire. Reference: {@code docs/signer-bridge.md}. Bodies: {@link ApiKeyModel}.
 */
public final class ApiKeyRoutes extends ApiRouteBuilder {

    private final ApiKeys keys;
    private final ApiKeyVerifier verifier;
    private final Clock clock;

    /**
     * @param verifier the verifier whose cache is dropped after a revoke or expire, or null (OIDC mode)
     */
    public ApiKeyRoutes(ApiKeys keys, ApiKeyVerifier verifier, ApiAuth auth, Clock clock) {
        super(auth);
        this.keys = keys;
        this.verifier = verifier;
        this.clock = clock;
    }

    @Override
    public void configure() {
        rest("/api/keys")
                .description("API keys of gateway customers (admin token)")
                .get()
                .id("api-keys")
                .description("Keys, newest first: active and expired, and with include_revoked=true revoked")
                .param(query("client_id", "string", "only this application's keys"))
                .param(query("include_revoked", "boolean", "also revoked keys").defaultValue("false"))
                .param(limit())
                .param(cursor())
                .outType(KeyPage.class)
                .to(direct("api-keys"))
                .post()
                .id("api-key-create")
                .description("Create a key; the response holds its secret, shown this once")
                .type(CreateKey.class)
                .responseMessage(response(201, "Created", CreatedKey.class))
                .responseMessage(problem(415, "the body was sent as a form"))
                .to(direct("api-key-create"))
                .post("/{id}/revoke")
                .id("api-key-revoke")
                .description("Revoke a key now: the webhook refuses it with 403 credential_revoked")
                .outType(KeyView.class)
                .responseMessage(problem(404, "no such key"))
                .to(direct("api-key-revoke"))
                .post("/{id}/expire")
                .id("api-key-expire")
                .description("Expire a key now or at a time: the webhook refuses it with 401"
                        + " credential_expired from then on")
                .type(ExpireKey.class)
                .outType(KeyView.class)
                .responseMessage(problem(404, "no such key"))
                .responseMessage(problem(415, "the body was sent as a form"))
                .to(direct("api-key-expire"));

        api("api-keys", Role.ADMIN).process(this::list);
        api("api-key-create", Role.ADMIN).process(this::create);
        api("api-key-revoke", Role.ADMIN).process(this::revoke);
        api("api-key-expire", Role.ADMIN).process(this::expire);
    }

    private void create(Exchange exchange) throws SQLException {
        CreateKey body = Bodies.valid(exchange, CreateKey.class);
        if (body.expiresAt() != null && !body.expiresAt().isAfter(clock.instant())) {
            throw new ApiSupport.BadRequest("expires_at", "expires_at must be in the future");
        }
        String identityProblem = Principal.identityProblem(
                body.clientId().trim(),
                body.usageSubject().trim(),
                body.subjectType() == null ? "external_user_id" : body.subjectType());
        if (identityProblem != null) {
            throw new ApiSupport.BadRequest("usage_subject", identityProblem);
        }
        MaxPrice maxPrice = body.maxPrice() == null
                ? null
                : new MaxPrice(body.maxPrice().price(), body.maxPrice().unit());
        ApiKeys.Issued issued = keys.create(
                body.clientId().trim(),
                body.usageSubject().trim(),
                body.subjectType() == null ? "external_user_id" : body.subjectType(),
                body.description(),
                body.expiresAt(),
                maxPrice);
        ApiSupport.respond(
                exchange,
                201,
                new CreatedKey(view(issued.key()), issued.plaintext(), "store this key now: it is not shown again"));
    }

    private void list(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        Long cursor = ApiSupport.cursor(exchange);
        long offset = cursor == null ? 0 : cursor; // keys page by creation time, so the cursor is the next offset
        if (offset > Integer.MAX_VALUE) {
            throw new ApiSupport.BadRequest("cursor", "cursor must be the next_cursor of a previous page");
        }
        boolean includeRevoked = "true".equalsIgnoreCase(ApiSupport.query(exchange, "include_revoked"));
        List<ApiKeys.ApiKey> page =
                keys.list(ApiSupport.query(exchange, "client_id"), includeRevoked, (int) offset, limit);
        ApiSupport.respond(
                exchange,
                200,
                new KeyPage(page.stream().map(this::view).toList(), ApiSupport.nextOffsetCursor(page, limit, offset)));
    }

    private void revoke(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        ApiKeys.ApiKey key = keys.revoke(id).orElseThrow(() -> notFound(id));
        invalidate();
        ApiSupport.respond(exchange, 200, view(key));
    }

    private void expire(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        ExpireKey body = Bodies.optional(exchange, ExpireKey.class);
        Instant at = body == null || body.at() == null ? clock.instant() : body.at();
        ApiKeys.ApiKey key = keys.expire(id, at).orElseThrow(() -> notFound(id));
        invalidate();
        ApiSupport.respond(exchange, 200, view(key));
    }

    private static ApiException notFound(String id) {
        return new ApiException(404, "Not Found", "id", "no API key " + id, Map.of());
    }

    private void invalidate() {
        if (verifier != null) {
            verifier.invalidateAll();
        }
    }

    private KeyView view(ApiKeys.ApiKey k) {
        MaxPrice max = k.maxPrice();
        return new KeyView(
                k.id(),
                k.displayPrefix(),
                k.clientId(),
                k.usageSubject(),
                k.subjectType(),
                k.principal().authId(),
                k.state(clock.instant()).name().toLowerCase(Locale.ROOT),
                k.description(),
                k.createdAt(),
                k.expiresAt(),
                k.revokedAt(),
                max == null ? null : new MaxPriceView(max.priceWei(), "wei", max.unit()));
    }
}
