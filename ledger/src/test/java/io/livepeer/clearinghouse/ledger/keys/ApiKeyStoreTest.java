package io.livepeer.clearinghouse.ledger.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.keys.ApiKeyStore.StoredKey;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The API key rows: the table comes from the ledger's own migrations (V3), the hash is the lookup key. */
class ApiKeyStoreTest {

    static final Instant T0 = Instant.parse("2026-08-20T10:00:00Z");

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static StoredKey key(String id, String client, Instant created, BigInteger maxPrice) {
        return new StoredKey(
                id,
                "sk_live_" + id,
                client,
                "alice",
                "external_user_id",
                null,
                maxPrice,
                maxPrice == null ? null : "fixed",
                created,
                null,
                null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void keys_are_found_by_hash_and_id_and_listed_newest_first(JdbcTarget target) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            ApiKeyStore store = new ApiKeyStore(db);
            BigInteger wei = new BigInteger("123456789012345678901234567890");
            store.insert("a".repeat(64), key("key_1", "acme", T0, wei));
            store.insert("b".repeat(64), key("key_2", "acme", T0.plusSeconds(1), null));
            store.insert("c".repeat(64), key("key_3", "other", T0.plusSeconds(2), null));

            assertThat(store.findByHash("a".repeat(64))).contains(key("key_1", "acme", T0, wei));
            assertThat(store.find("key_2")).map(StoredKey::maxPriceWei).isEmpty();
            assertThat(store.findByHash("d".repeat(64))).isEmpty();
            assertThat(store.list(null, true, 0, 10))
                    .extracting(StoredKey::id)
                    .containsExactly("key_3", "key_2", "key_1");
            assertThat(store.list("acme", true, 1, 10))
                    .extracting(StoredKey::id)
                    .containsExactly("key_1");
            assertThatThrownBy(() -> store.insert("a".repeat(64), key("key_4", "acme", T0, null)))
                    .as("the hash is unique")
                    .isInstanceOf(SQLException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_key_is_revoked_once_and_its_expiry_can_be_set_and_cleared(JdbcTarget target) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            ApiKeyStore store = new ApiKeyStore(db);
            store.insert("a".repeat(64), key("key_1", "acme", T0, null));

            assertThat(store.revoke("key_1", T0.plusSeconds(5))).isTrue();
            assertThat(store.revoke("key_1", T0.plusSeconds(9))).isFalse();
            assertThat(store.find("key_1").orElseThrow().revokedAt()).isEqualTo(T0.plusSeconds(5));
            assertThat(store.list(null, false, 0, 10)).isEmpty();

            assertThat(store.expire("key_1", T0.plusSeconds(60))).isTrue();
            assertThat(store.find("key_1").orElseThrow().expiresAt()).isEqualTo(T0.plusSeconds(60));
            assertThat(store.expire("key_1", null)).isTrue();
            assertThat(store.find("key_1").orElseThrow().expiresAt()).isNull();
            assertThat(store.expire("key_missing", T0)).isFalse();
        }
    }
}
