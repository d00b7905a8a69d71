package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigInteger;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ApiKeysTest {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_key_whose_identity_would_bill_another_customer_is_never_issued(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            ApiKeys keys = new ApiKeys(db, clock, "sk_live_");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> keys.create("acme", "owner:bob", "external_user_id", null, null, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reserved for app owners");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> keys.create("acme:owner", "bob", "external_user_id", null, null, null))
                    .hasMessageContaining("must not contain ':'");
            // an app owner key is the legitimate way to bill the owner's bare id
            assertThat(keys.create("acme", "bob", "app_owner", null, null, null)
                            .key()
                            .principal()
                            .authId())
                    .isEqualTo("acme:owner:bob");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_key_is_shown_once_stored_as_a_hash_and_verified_until_revoked(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            ApiKeys keys = new ApiKeys(db, clock, "sk_live_");
            ApiKeyVerifier verifier = new ApiKeyVerifier(keys, clock, Duration.ofMinutes(1));
            ApiKeys.Issued issued = keys.create(
                    "acme", "alice", "external_user_id", "laptop", null, new MaxPrice(BigInteger.TEN, "fixed"));

            assertThat(issued.plaintext()).startsWith("sk_live_").hasSize(8 + 43);
            assertThat(issued.key().displayPrefix())
                    .isEqualTo(issued.plaintext().substring(0, 12));
            assertThat(issued.key().id()).startsWith("key_");
            String stored = db.withHandle(
                    h -> h.createQuery("SELECT key_hash || key_prefix || client_id AS stored FROM bridge_api_keys")
                            .mapTo(String.class)
                            .one());
            assertThat(stored).doesNotContain(issued.plaintext());

            assertThat(verifier.verify(issued.plaintext()))
                    .isEqualTo(new Verification.Verified(new Principal(
                            "acme", "alice", "external_user_id", null, new MaxPrice(BigInteger.TEN, "fixed"))));
            assertThat(verifier.verify(issued.plaintext())).isInstanceOf(Verification.Verified.class);
            assertThat(verifier.stats().hitCount()).isEqualTo(1);
            assertThat(verifier.verify("sk_live_unknown"))
                    .isEqualTo(new Verification.Denied(401, "unknown_credential", "unknown API key"));

            keys.revoke(issued.key().id());
            assertThat(verifier.verify(issued.plaintext())).isInstanceOf(Verification.Verified.class); // cached
            verifier.invalidateAll();
            assertThat(verifier.verify(issued.plaintext()))
                    .isInstanceOfSatisfying(
                            Verification.Denied.class,
                            d -> assertThat(d.status()).isEqualTo(403));
            assertThat(keys.list("acme", false, 0, 10)).isEmpty();
            assertThat(keys.list("acme", true, 0, 10))
                    .singleElement()
                    .satisfies(k -> assertThat(k.state(clock.instant())).isEqualTo(ApiKeys.State.REVOKED));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_expired_key_is_refused_from_its_expiry_on(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            ApiKeys keys = new ApiKeys(db, clock, "sk_test_");
            ApiKeyVerifier verifier = new ApiKeyVerifier(keys, clock, Duration.ofMinutes(1));
            ApiKeys.Issued issued = keys.create(
                    "app", "owner-1", "app_owner", null, clock.instant().plusSeconds(3600), null);
            assertThat(issued.key().principal().authId()).isEqualTo("app:owner:owner-1");
            assertThat(verifier.verify(issued.plaintext())).isInstanceOf(Verification.Verified.class);
            clock.advance(Duration.ofSeconds(3600));
            assertThat(verifier.verify(issued.plaintext())).isInstanceOfSatisfying(Verification.Denied.class, d -> {
                assertThat(d.status()).isEqualTo(401);
                assertThat(d.code()).isEqualTo("credential_expired");
            });
            keys.expire(issued.key().id(), clock.instant().plusSeconds(60));
            verifier.invalidateAll();
            assertThat(verifier.verify(issued.plaintext())).isInstanceOf(Verification.Verified.class);
        }
    }
}
