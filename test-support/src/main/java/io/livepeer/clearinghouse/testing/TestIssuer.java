package io.livepeer.clearinghouse.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An OIDC issuer for tests: an RSA key generated here, its public JWKS served by a local HTTP server, and JWTs
 * signed with it (or with another key, to test rejection).
 */
public final class TestIssuer implements AutoCloseable {

    private final RSAKey key;
    private final RSAKey stranger;
    private final HttpServer server;
    private final AtomicBoolean up = new AtomicBoolean(true);

    private TestIssuer(RSAKey key, RSAKey stranger, HttpServer server) {
        this.key = key;
        this.stranger = stranger;
        this.server = server;
    }

    /** Generates the keys and serves the JWKS on a free loopback port. */
    public static TestIssuer start() {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyID("test-key").generate();
            RSAKey stranger = new RSAKeyGenerator(2048).keyID("test-key").generate();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            TestIssuer issuer = new TestIssuer(key, stranger, server);
            server.createContext("/.well-known/jwks.json", exchange -> {
                try (exchange) {
                    if (!issuer.up.get()) {
                        exchange.sendResponseHeaders(503, -1);
                        return;
                    }
                    byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            });
            server.start();
            return issuer;
        } catch (JOSEException | IOException e) {
            throw new IllegalStateException("test issuer did not start", e);
        }
    }

    /** The issuer id ({@code iss}). */
    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The JWKS URL. */
    public String jwksUri() {
        return issuer() + ".well-known/jwks.json";
    }

    /** Makes the JWKS endpoint answer 503 (or serve again). */
    public void jwksAvailable(boolean available) {
        up.set(available);
    }

    /** A token signed by this issuer. */
    public String token(
            String audience, String clientId, String subject, Duration validFor, Map<String, Object> extraClaims) {
        return sign(key, issuer(), audience, clientId, subject, validFor, extraClaims);
    }

    /** A token with the same key id but signed by another key: the signature must be refused. */
    public String forgedToken(String audience, String clientId, String subject) {
        return sign(stranger, issuer(), audience, clientId, subject, Duration.ofMinutes(5), Map.of());
    }

    private static String sign(
            RSAKey signingKey,
            String issuer,
            String audience,
            String clientId,
            String subject,
            Duration validFor,
            Map<String, Object> extra) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .subject(subject)
                .claim("azp", clientId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(validFor)))
                .jwtID(UUID.randomUUID().toString());
        extra.forEach(claims::claim);
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.RS256)
                            .keyID(signingKey.getKeyID())
                            .build(),
                    claims.build());
            jwt.sign(new RSASSASigner(signingKey));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
