package io.livepeer.clearinghouse.routes.orchestrators.credit;

import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiException;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;

/**
 * Who may report session events (livepeer-ops {@code require_session_reporter}): with a reporter token configured
 * ({@code PAYMENTS_SESSION_REPORTER_TOKEN}), it must arrive as {@code X-Session-Token} or
 * {@code Authorization: Bearer}; the admin token is accepted too. Without one, the admin token is required (the
 * backend would leave the endpoint open; this API never opens without a token). Compared in constant time (SHA-256
 * digests with {@link MessageDigest#isEqual}).
 */
public final class ReporterAuth {

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"clearinghouse\"");

    private final byte[] reporterDigest;
    private final ApiAuth api;

    public ReporterAuth(Optional<String> reporterToken, ApiAuth api) {
        this.reporterDigest = reporterToken.map(ReporterAuth::digest).orElse(null);
        this.api = api;
    }

    /**
     * @return {@link Role#ADMIN} for the reporter or admin token
     * @throws ApiException 401 for a missing or wrong token, 403 when no token is configured at all
     */
    public Role check(Exchange exchange) {
        if (reporterDigest == null) {
            return api.check(exchange, Role.ADMIN);
        }
        if (ApiSupport.credentialInQuery(exchange)
                || exchange.getMessage()
                        .getHeader(Exchange.HTTP_QUERY, "", String.class)
                        .toLowerCase(java.util.Locale.ROOT)
                        .contains("x-session-token")) {
            throw new ApiException(
                    400,
                    "Bad Request",
                    null,
                    "tokens are accepted in headers only: a token in a URL ends up in logs",
                    Map.of());
        }
        String session = exchange.getMessage().getHeader("X-Session-Token", String.class);
        if (session != null && !session.isBlank()) {
            if (MessageDigest.isEqual(digest(session.trim()), reporterDigest)) {
                return Role.ADMIN;
            }
            throw new ApiException(401, "Unauthorized", null, "the session token is not valid", CHALLENGE);
        }
        String authorization = exchange.getMessage().getHeader("Authorization", String.class);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            if (MessageDigest.isEqual(digest(authorization.substring(7).trim()), reporterDigest)) {
                return Role.ADMIN;
            }
        }
        if (authorization == null && exchange.getMessage().getHeader("X-Admin-Token") == null) {
            throw new ApiException(
                    401,
                    "Unauthorized",
                    null,
                    "send the session reporter token as X-Session-Token or" + " Authorization: Bearer <token>",
                    CHALLENGE);
        }
        return api.check(exchange, Role.ADMIN);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
