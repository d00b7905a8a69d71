package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The webhook decision, with a scripted credential check and ledger. */
class AuthorizerTest {

    static final Instant NOW = Instant.parse("2026-08-20T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    final Map<String, Verification> credentials = new HashMap<>();
    final Map<String, BigDecimal> balances = new HashMap<>();
    final List<String> balanceReads = new ArrayList<>();
    boolean ledgerDown;
    boolean keyStoreDown;

    Authorizer authorizer(String floor) {
        CredentialVerifier verifier = new CredentialVerifier() {
            @Override
            public Verification verify(String credential) throws CredentialStoreException {
                if (keyStoreDown) {
                    throw new CredentialStoreException("database down", null);
                }
                return credentials.getOrDefault(
                        credential, new Verification.Denied(401, "unknown_credential", "unknown API key"));
            }

            @Override
            public String mode() {
                return "api_key";
            }
        };
        return new Authorizer(
                verifier,
                customer -> {
                    if (ledgerDown) {
                        throw new SQLException("connection refused");
                    }
                    balanceReads.add(customer);
                    return Optional.ofNullable(balances.get(customer));
                },
                CLOCK,
                Duration.ofSeconds(60),
                new BigDecimal(floor));
    }

    static WebhookRequest request(String json) {
        return WebhookRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static String body(String authorization, String stateAuthId) {
        return "{\"headers\":{\"Content-Type\":[\"application/json\"]"
                + (authorization == null ? "" : ",\"Authorization\":[\"" + authorization + "\"]")
                + ",\"Signer-Auth-Id\":[\"someone-else:mallory\"]},"
                + "\"state\":{\"StateID\":\"9f8e7d6c\",\"PMSessionID\":\"0x5f\",\"LastUpdate\":\"2026-08-20T09:59:00Z\","
                + "\"OrchestratorAddress\":\"0x1234\",\"App\":\"\",\"AuthExpiry\":0,\"SenderNonce\":7,\"Balance\":\"500\","
                + "\"InitialPricePerUnit\":1200,\"InitialPixelsPerUnit\":1,\"Type\":\"live\",\"SequenceNumber\":3,"
                + "\"AuthID\":\"" + stateAuthId + "\"}}";
    }

    void customer(String key, String client, String subject, String type, String balance, MaxPrice maxPrice) {
        credentials.put(key, new Verification.Verified(new Principal(client, subject, type, null, maxPrice)));
        String customerKey = "app_owner".equals(type) ? subject : client + ":" + subject;
        if (balance != null) {
            balances.put(customerKey, new BigDecimal(balance));
        }
    }

    @Test
    void a_known_key_with_credit_is_allowed_with_auth_id_expiry_and_max_price() {
        customer(
                "sk_live_alice",
                "acme",
                "alice",
                "external_user_id",
                "5000000",
                new MaxPrice(BigInteger.valueOf(1300), "seconds"));
        Decision d = authorizer("0").decide(request(body("Bearer sk_live_alice", "")));
        assertThat(d.status()).isEqualTo(200);
        assertThat(d.authId()).isEqualTo("acme:alice");
        assertThat(d.expiry()).isEqualTo(NOW.plusSeconds(60).getEpochSecond());
        assertThat(d.toJson().toString())
                .isEqualTo(
                        "{\"status\":200,\"expiry\":" + NOW.plusSeconds(60).getEpochSecond()
                                + ",\"auth_id\":\"acme:alice\",\"maxPrice\":{\"price\":1300,\"currency\":\"wei\",\"unit\":\"seconds\"}}");
        assertThat(balanceReads).containsExactly("acme:alice");
    }

    @Test
    void the_signer_auth_id_header_is_ignored_and_the_header_name_is_case_insensitive() {
        customer("k", "acme", "alice", "external_user_id", "1", null);
        Decision d = authorizer("0")
                .decide(request("{\"headers\":{\"authorization\":[\"bearer k\"],"
                        + "\"Signer-Auth-Id\":[\"evil:mallory\"]},\"state\":{}}"));
        assertThat(d.authId()).isEqualTo("acme:alice");
    }

    @Test
    void an_app_owner_is_bound_as_client_owner_user_and_gated_on_the_bare_user_id() {
        customer("owner-key", "app_abc", "2e51154b", "app_owner", "10", null);
        Decision d = authorizer("0").decide(request(body("Bearer owner-key", "")));
        assertThat(d.authId()).isEqualTo("app_abc:owner:2e51154b");
        assertThat(balanceReads).containsExactly("2e51154b");
    }

    @Test
    void no_credential_is_401() {
        assertThat(authorizer("0").decide(request(body(null, ""))))
                .extracting(Decision::status, Decision::code)
                .containsExactly(401, "missing_credential");
        assertThat(authorizer("0").decide(request(body("Bearer ", ""))))
                .extracting(Decision::status)
                .isEqualTo(401);
    }

    @Test
    void refused_credentials_keep_their_status_and_reason() {
        credentials.put(
                "revoked", new Verification.Denied(403, "credential_revoked", "API key sk_live_x… was revoked"));
        Decision d = authorizer("0").decide(request(body("Bearer revoked", "")));
        assertThat(d.toJson().toString())
                .isEqualTo(
                        "{\"status\":403,\"reason\":\"API key sk_live_x… was revoked\",\"code\":\"credential_revoked\"}");
        assertThat(authorizer("0").decide(request(body("Bearer nobody", ""))).status())
                .isEqualTo(401);
    }

    @Test
    void a_session_bound_to_another_auth_id_is_refused() {
        customer("k", "acme", "alice", "external_user_id", "100", null);
        Decision d = authorizer("0").decide(request(body("Bearer k", "acme:bob")));
        assertThat(d.status()).isEqualTo(403);
        assertThat(d.code()).isEqualTo("auth_id_mismatch");
        assertThat(d.reason()).contains("bound to auth_id acme:bob").contains("acme:alice");
        assertThat(authorizer("0")
                        .decide(request(body("Bearer k", "acme:alice")))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void a_balance_not_above_the_floor_is_483_insufficient_balance() {
        customer("zero", "acme", "zero", "external_user_id", "0", null);
        customer("none", "acme", "none", "external_user_id", null, null);
        customer("owes", "acme", "owes", "external_user_id", "-0.000000003", null);
        customer("rich", "acme", "rich", "external_user_id", "1000", null);
        for (String key : List.of("zero", "none", "owes")) {
            Decision d = authorizer("0").decide(request(body("Bearer " + key, "")));
            assertThat(d.status()).isEqualTo(483);
            assertThat(d.code()).isEqualTo("insufficient_balance");
            assertThat(d.authId()).isNull();
        }
        assertThat(authorizer("0").decide(request(body("Bearer rich", ""))).status())
                .isEqualTo(200);
        assertThat(authorizer("1000").decide(request(body("Bearer rich", ""))).status())
                .isEqualTo(483);
    }

    @Test
    void an_unreadable_ledger_or_key_store_is_503_never_an_allow() {
        customer("k", "acme", "alice", "external_user_id", "100", null);
        ledgerDown = true;
        assertThat(authorizer("0").decide(request(body("Bearer k", ""))))
                .extracting(Decision::status, Decision::code)
                .containsExactly(503, "billing_unavailable");
        ledgerDown = false;
        keyStoreDown = true;
        assertThat(authorizer("0").decide(request(body("Bearer k", ""))))
                .extracting(Decision::status, Decision::code)
                .containsExactly(503, "auth_unavailable");
    }

    @Test
    void the_expiry_never_outlives_the_credential() {
        credentials.put(
                "jwt", new Verification.Verified(new Principal("app", "u", "oidc_user", NOW.plusSeconds(20), null)));
        balances.put("app:u", BigDecimal.TEN);
        assertThat(authorizer("0").decide(request(body("Bearer jwt", ""))).expiry())
                .isEqualTo(NOW.plusSeconds(20).getEpochSecond());
    }
}
