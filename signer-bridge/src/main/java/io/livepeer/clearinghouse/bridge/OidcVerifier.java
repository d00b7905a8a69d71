package io.livepeer.clearinghouse.bridge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies JWTs from an OIDC issuer with nimbus-jose-jwt: the signature against the issuer's JWKS (fetched and
 * cached), {@code iss}, {@code aud}, {@code exp} (60 s clock skew), and optionally required scopes ({@code scope}
 * space-separated or {@code scp} list). The client id and subject are read from configurable claims.
 */
public final class OidcVerifier implements CredentialVerifier {

    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.PS384,
            JWSAlgorithm.PS512,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512,
            JWSAlgorithm.EdDSA);

    /**
     * @param issuer         expected {@code iss}
     * @param audiences      accepted {@code aud} values (at least one must be in the token)
     * @param jwksUri        the issuer's JWKS URL
     * @param clientClaim    claim holding the client id, e.g. {@code azp} (falls back to {@code client_id})
     * @param subjectClaim   claim holding the user, e.g. {@code sub}
     * @param subjectType    {@code usage_subject_type} of OIDC users, e.g. {@code oidc_user}
     * @param requiredScopes scopes the token must carry (may be empty)
     */
    public record Config(
            String issuer,
            Set<String> audiences,
            String jwksUri,
            String clientClaim,
            String subjectClaim,
            String subjectType,
            Set<String> requiredScopes) {}

    private final Config config;
    private final DefaultJWTProcessor<SecurityContext> processor;

    /** @throws IllegalArgumentException for an unusable JWKS URL */
    public OidcVerifier(Config config) {
        this.config = config;
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.create(
                            URI.create(config.jwksUri()).toURL(),
                            new DefaultResourceRetriever(2_000, 2_000, 512 * 1024))
                    .retrying(true)
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("OIDC JWKS URI is not a URL: " + config.jwksUri(), e);
        }
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        // mutable copies: nimbus asks the sets contains(null), which Set.of() answers with an exception
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                new HashSet<>(config.audiences()),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(),
                new HashSet<>(List.of("exp", config.subjectClaim())),
                new HashSet<>()));
    }

    @Override
    public Verification verify(String credential) throws CredentialStoreException {
        if (credential.chars().filter(ch -> ch == '.').count() != 2) {
            return new Verification.Denied(401, "invalid_token", "the credential is not a JWT");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(credential, null);
        } catch (KeySourceException e) {
            throw new CredentialStoreException("the issuer's JWKS cannot be fetched", e);
        } catch (BadJOSEException e) {
            return new Verification.Denied(401, "invalid_token", "JWT refused: " + e.getMessage());
        } catch (ParseException | JOSEException e) {
            return new Verification.Denied(401, "invalid_token", "JWT cannot be processed: " + e.getMessage());
        }
        Set<String> scopes = scopes(claims);
        if (!scopes.containsAll(config.requiredScopes())) {
            Set<String> missing = new HashSet<>(config.requiredScopes());
            missing.removeAll(scopes);
            return new Verification.Denied(
                    403,
                    "insufficient_scope",
                    "JWT lacks scope(s) "
                            + String.join(" ", missing.stream().sorted().toList()));
        }
        String client = text(claims, config.clientClaim());
        if (client == null) {
            client = text(claims, "client_id");
        }
        String subject = text(claims, config.subjectClaim());
        if (client == null || client.isBlank() || subject == null || subject.isBlank()) {
            return new Verification.Denied(
                    401,
                    "invalid_token",
                    "JWT has no " + config.clientClaim() + " or " + config.subjectClaim() + " claim");
        }
        String identityProblem = Principal.identityProblem(client, subject, config.subjectType());
        if (identityProblem != null) {
            return new Verification.Denied(403, "identity_not_allowed", "JWT identity refused: " + identityProblem);
        }
        return new Verification.Verified(new Principal(
                client,
                subject,
                config.subjectType(),
                claims.getExpirationTime().toInstant(),
                null));
    }

    @Override
    public String mode() {
        return "oidc";
    }

    private static String text(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return value == null ? null : value.toString();
    }

    private static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new HashSet<>();
        Object scope = claims.getClaim("scope");
        if (scope instanceof String s) {
            scopes.addAll(List.of(s.trim().split("\\s+")));
        }
        Object scp = claims.getClaim("scp");
        if (scp instanceof String s) {
            scopes.addAll(List.of(s.trim().split("\\s+")));
        } else if (scp instanceof List<?> list) {
            List<String> values = new ArrayList<>();
            list.forEach(v -> values.add(String.valueOf(v)));
            scopes.addAll(values);
        }
        return scopes;
    }
}
