package io.livepeer.clearinghouse.routes.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;

/**
 * Tokens for the operator API. The admin token ({@code CLEARINGHOUSE_ADMIN_TOKEN}) may do everything; the viewer
 * token ({@code CLEARINGHOUSE_VIEWER_TOKEN}) may only read. A token is sent as {@code Authorization: Bearer <token>}
 * or {@code X-Admin-Token: <token>} and compared in constant time (SHA-256 digests compared with
 * {@link MessageDigest#isEqual}, so neither content nor length leaks through timing).
 *
 * <p>No token configured means the API refuses (403) rather than opens; {@code ./clearinghouse dev} generates and
 * prints an admin token. A missing or wrong token is 401 (with {@code WWW-Authenticate: Bearer}); the viewer token on
 * an admin endpoint is 403.
 *
 * <p>Each API route declares its role when it is built ({@link #protect}, called by {@link ApiRouteBuilder#api});
 * {@link ApiRouteConfiguration} checks the token against it at the start of the route. A route that never declared
 * a role needs the admin token.
 */
public final class ApiAuth {

    /** What a caller may do. */
    public enum Role {
        VIEWER,
        ADMIN,
        /**
         * Not an operator token: the route authenticates its caller itself (orchestrator API tokens,
         * {@code GET /api/orchestrators/me}); the operator token check lets the request through.
         */
        ORCHESTRATOR
    }

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"clearinghouse\"");

    private final byte[] adminDigest;
    private final byte[] viewerDigest;
    private final Map<String, Role> routeRoles = new ConcurrentHashMap<>();
    private final Map<String, java.util.function.Function<Exchange, Role>> routeChecks = new ConcurrentHashMap<>();

    /**
     * @param adminToken  admin token, or empty
     * @param viewerToken read-only token, or empty
     */
    public ApiAuth(Optional<String> adminToken, Optional<String> viewerToken) {
        this.adminDigest = adminToken.map(ApiAuth::digest).orElse(null);
        this.viewerDigest = viewerToken.map(ApiAuth::digest).orElse(null);
    }

    /**
     * Reads {@code clearinghouse.api.admin-token} and {@code clearinghouse.api.viewer-token} (both optional).
     */
    public static ApiAuth from(io.livepeer.clearinghouse.routes.core.SettingsReader reader) {
        return new ApiAuth(
                reader.optional("clearinghouse.api.admin-token"), reader.optional("clearinghouse.api.viewer-token"));
    }

    /** Whether an admin token is configured (without one the admin API refuses every request). */
    public boolean adminConfigured() {
        return adminDigest != null;
    }

    /** Which tokens are configured, never their values. */
    @Override
    public String toString() {
        return "api tokens: " + (adminDigest != null ? "admin" : "no admin")
                + (viewerDigest != null ? " + viewer" : "");
    }

    /** Declares that route {@code routeId} needs at least {@code role}. */
    public void protect(String routeId, Role role) {
        routeRoles.put(routeId, role);
    }

    /**
     * Declares that route {@code routeId} is checked by {@code check} instead of a role (a token of its own, such as
     * the session reporter token); {@code check} throws {@link ApiException} to refuse.
     */
    public void protect(String routeId, java.util.function.Function<Exchange, Role> check) {
        routeChecks.put(routeId, check);
    }

    /**
     * Checks the caller against the role (or check) the exchange's route declared ({@link #protect}); admin when none.
     *
     * @throws ApiException as {@link #check(Exchange, Role)}
     */
    public Role checkRoute(Exchange exchange) {
        String routeId = exchange.getFromRouteId();
        java.util.function.Function<Exchange, Role> custom = routeId == null ? null : routeChecks.get(routeId);
        if (custom != null) {
            return custom.apply(exchange);
        }
        return check(exchange, routeId == null ? Role.ADMIN : routeRoles.getOrDefault(routeId, Role.ADMIN));
    }

    /**
     * @throws ApiException 401 for a missing or wrong token, 403 for too weak a token or a disabled API
     */
    public Role check(Exchange exchange, Role needed) {
        if (needed == Role.ORCHESTRATOR) {
            return Role.ORCHESTRATOR;
        }
        if (adminDigest == null && (needed == Role.ADMIN || viewerDigest == null)) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    null,
                    needed == Role.ADMIN
                            ? "the admin API is disabled: set CLEARINGHOUSE_ADMIN_TOKEN"
                            : "the API is disabled: set CLEARINGHOUSE_ADMIN_TOKEN or CLEARINGHOUSE_VIEWER_TOKEN",
                    Map.of());
        }
        String presented = token(exchange)
                .orElseThrow(() -> new ApiException(
                        401,
                        "Unauthorized",
                        null,
                        "send a token as Authorization: Bearer <token> or X-Admin-Token",
                        CHALLENGE));
        byte[] digest = digest(presented);
        boolean admin = adminDigest != null && MessageDigest.isEqual(digest, adminDigest);
        boolean viewer = viewerDigest != null && MessageDigest.isEqual(digest, viewerDigest);
        if (admin) {
            return Role.ADMIN;
        }
        if (!viewer) {
            throw new ApiException(401, "Unauthorized", null, "the token is not valid", CHALLENGE);
        }
        if (needed == Role.ADMIN) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    null,
                    "this endpoint needs the admin token; the viewer token" + " may only read",
                    Map.of());
        }
        return Role.VIEWER;
    }

    private static Optional<String> token(Exchange exchange) {
        if (ApiSupport.credentialInQuery(exchange)) {
            throw new ApiException(
                    400,
                    "Bad Request",
                    null,
                    "tokens are accepted in headers only: a token in a URL ends up in proxy and access logs",
                    Map.of());
        }
        String authorization = exchange.getMessage().getHeader("Authorization", String.class);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).trim();
            if (!token.isEmpty()) {
                return Optional.of(token);
            }
        }
        String header = exchange.getMessage().getHeader("X-Admin-Token", String.class);
        return header == null || header.isBlank() ? Optional.empty() : Optional.of(header.trim());
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
