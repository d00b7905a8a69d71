package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.testing.TestIssuer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWTs against a JWKS served by a local issuer with a key generated in the test. */
class OidcVerifierTest {

    static TestIssuer issuer;

    @BeforeAll
    static void start() {
        issuer = TestIssuer.start();
    }

    @AfterAll
    static void stop() {
        issuer.close();
    }

    static OidcVerifier verifier(Set<String> scopes) {
        return new OidcVerifier(new OidcVerifier.Config(
                issuer.issuer(), Set.of("livepeer-gateway"), issuer.jwksUri(), "azp", "sub", "oidc_user", scopes));
    }

    @Test
    void a_valid_token_yields_client_subject_and_expiry() throws Exception {
        String token = issuer.token(
                "livepeer-gateway",
                "daydream",
                "user-7",
                Duration.ofMinutes(5),
                Map.of("scope", "openid sign:tickets"));
        Verification v = verifier(Set.of("sign:tickets")).verify(token);
        assertThat(v).isInstanceOfSatisfying(Verification.Verified.class, ok -> {
            assertThat(ok.principal().authId()).isEqualTo("daydream:user-7");
            assertThat(ok.principal().subjectType()).isEqualTo("oidc_user");
            assertThat(ok.principal().credentialExpiresAt()).isAfter(java.time.Instant.now());
        });
        assertThat(verifier(Set.of())
                        .verify(issuer.token(
                                "livepeer-gateway",
                                "daydream",
                                "u",
                                Duration.ofMinutes(5),
                                Map.of("scp", List.of("a", "sign:tickets")))))
                .isInstanceOf(Verification.Verified.class);
    }

    @Test
    void a_bad_signature_a_wrong_audience_or_an_expired_token_is_401() throws Exception {
        assertDenied(
                verifier(Set.of()).verify(issuer.forgedToken("livepeer-gateway", "c", "u")),
                401,
                "Signed JWT" + " rejected");
        assertDenied(
                verifier(Set.of()).verify(issuer.token("someone-else", "c", "u", Duration.ofMinutes(5), Map.of())),
                401,
                "audience");
        assertDenied(
                verifier(Set.of()).verify(issuer.token("livepeer-gateway", "c", "u", Duration.ofMinutes(-5), Map.of())),
                401,
                "Expired JWT");
        assertDenied(verifier(Set.of()).verify("sk_live_not_a_jwt"), 401, "not a JWT");
    }

    @Test
    void a_missing_scope_is_403() throws Exception {
        assertDenied(
                verifier(Set.of("sign:tickets"))
                        .verify(issuer.token(
                                "livepeer-gateway", "c", "u", Duration.ofMinutes(5), Map.of("scope", "openid"))),
                403,
                "lacks scope(s) sign:tickets");
    }

    @Test
    void a_subject_or_client_that_would_bill_another_customer_is_refused() throws Exception {
        // auth_id "c:owner:bob" bills bob, and "acme:owner" + ":" + "bob" reads the same way
        assertDenied(
                verifier(Set.of())
                        .verify(issuer.token("livepeer-gateway", "c", "owner:bob", Duration.ofMinutes(5), Map.of())),
                403,
                "reserved for app owners");
        assertDenied(
                verifier(Set.of())
                        .verify(issuer.token("livepeer-gateway", "acme:owner", "bob", Duration.ofMinutes(5), Map.of())),
                403,
                "must not contain ':'");
    }

    @Test
    void an_unreachable_jwks_cannot_allow_anything() {
        try (TestIssuer down = TestIssuer.start()) {
            down.jwksAvailable(false);
            OidcVerifier verifier = new OidcVerifier(new OidcVerifier.Config(
                    down.issuer(), Set.of("a"), down.jwksUri(), "azp", "sub", "oidc_user", Set.of()));
            assertThatThrownBy(() -> verifier.verify(down.token("a", "c", "u", Duration.ofMinutes(5), Map.of())))
                    .isInstanceOf(CredentialVerifier.CredentialStoreException.class);
        }
    }

    static void assertDenied(Verification v, int status, String reason) {
        assertThat(v).isInstanceOfSatisfying(Verification.Denied.class, d -> {
            assertThat(d.status()).isEqualTo(status);
            assertThat(d.reason()).contains(reason);
        });
    }
}
