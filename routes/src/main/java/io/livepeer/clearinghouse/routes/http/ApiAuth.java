package io.livepeer.clearinghouse.routes.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Tokens for the operator API. The admin token ({@code CLEARINGHOUSE_ADMIN_TOKEN}) may do everything; the viewer
 * token ({@code CLEARINGHOUSE_VIEWER_TOKEN}) may only read. A token is sent as {@code Authorization: Bearer <token>}
 * or {@code X-Admin-Token: <token>} and compared in constant time (SHA-256 digests compared with
 * {@link MessageDigest#isEqual}, so neither content nor length leaks through timing).
 *
 * <p>No token configured means the API refuses (403) rather than opens; {@code ./clearinghouse dev} generates and
 * prints an admin token. A missing or wrong token is 401 (with {@code WWW-Authenticate: Bearer}); the viewer token on
 * an admin endpoint is 403.
 */
public final class ApiAuth {

    /** What a caller may do. */
    public enum Role { VIEWER, ADMIN }

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"clearinghouse\"");

    private final byte[] adminDigest;
    private final byte[] viewerDigest;

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
        return new ApiAuth(reader.optional("clearinghouse.api.admin-token"),
                reader.optional("clearinghouse.api.viewer-token"));
    }

    /** Whether an admin token is configured (without one the admin API refuses every request). */
    public boolean adminConfigured() {
        return adminDigest != null;
    }

    /** Which tokens are configured, never their values. */
    @Override
    public String toString() {
        return "api tokens: " + (adminDigest != null ? "admin" : "no admin") + (viewerDigest != null ? " + viewer" : "");
    }

    /** A processor that lets only callers with at least {@code role} through. */
    public Processor require(Role role) {
        return exchange -> check(exchange, role);
    }

    /**
     * @throws ApiException 401 for a missing or wrong token, 403 for too weak a token or a disabled API
     */
    public Role check(Exchange exchange, Role needed) {
        if (adminDigest == null && (needed == Role.ADMIN || viewerDigest == null)) {
            throw new ApiException(403, "Forbidden", null, needed == Role.ADMIN
                    ? "the admin API is disabled: set CLEARINGHOUSE_ADMIN_TOKEN"
                    : "the API is disabled: set CLEARINGHOUSE_ADMIN_TOKEN or CLEARINGHOUSE_VIEWER_TOKEN", Map.of());
        }
        String presented = token(exchange).orElseThrow(() -> new ApiException(401, "Unauthorized", null,
                "send a token as Authorization: Bearer <token> or X-Admin-Token", CHALLENGE));
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
            throw new ApiException(403, "Forbidden", null, "this endpoint needs the admin token; the viewer token"
                    + " may only read", Map.of());
        }
        return Role.VIEWER;
    }

    private static Optional<String> token(Exchange exchange) {
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
