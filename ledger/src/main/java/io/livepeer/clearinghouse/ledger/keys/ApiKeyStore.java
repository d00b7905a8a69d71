package io.livepeer.clearinghouse.ledger.keys;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Storage of the signer bridge's API keys ({@code bridge_api_keys}, migration V3). Rows only: generating keys,
 * hashing and verifying them is the signer bridge's ({@code io.livepeer.clearinghouse.bridge.ApiKeys}). The table
 * holds a SHA-256 of each key, never the key. Each method is its own statement, or joins the caller's transaction
 * ({@link Database}).
 */
public final class ApiKeyStore {

    private static final String COLUMNS = "id, key_prefix, client_id, usage_subject, subject_type, description,"
            + " max_price_wei, max_price_unit, created_at, expires_at, revoked_at";
    private static final RowMapper<StoredKey> KEY = (rs, ctx) -> new StoredKey(
            rs.getString("id"),
            rs.getString("key_prefix"),
            rs.getString("client_id"),
            rs.getString("usage_subject"),
            rs.getString("subject_type"),
            rs.getString("description"),
            Rows.integer(rs, "max_price_wei"),
            rs.getString("max_price_unit"),
            Rows.instant(rs, "created_at"),
            Rows.instant(rs, "expires_at"),
            Rows.instant(rs, "revoked_at"));

    private final Database database;

    public ApiKeyStore(Database database) {
        this.database = database;
    }

    /**
     * Stores a new key.
     *
     * @param keyHash SHA-256 of the key, hex (64 characters, unique)
     * @param key     the row; {@code revokedAt} is ignored (a new key is not revoked)
     * @throws SQLException also when the id or the hash exists
     */
    public void insert(String keyHash, StoredKey key) throws SQLException {
        database.withHandle(h -> h.createUpdate("INSERT INTO bridge_api_keys (id, key_hash, key_prefix, client_id,"
                        + " usage_subject, subject_type, description, max_price_wei, max_price_unit, created_at,"
                        + " expires_at) VALUES (:id, :key_hash, :key_prefix, :client_id, :usage_subject, :subject_type,"
                        + " :description, :max_price_wei, :max_price_unit, :created_at, :expires_at)")
                .bind("id", key.id())
                .bind("key_hash", keyHash)
                .bind("key_prefix", key.displayPrefix())
                .bind("client_id", key.clientId())
                .bind("usage_subject", key.usageSubject())
                .bind("subject_type", key.subjectType())
                .bind("description", key.description())
                .bindByType("max_price_wei", key.maxPriceWei(), BigInteger.class)
                .bind("max_price_unit", key.maxPriceUnit())
                .bind("created_at", key.createdAt())
                .bindByType("expires_at", key.expiresAt(), Instant.class)
                .execute());
    }

    /** The key with this hash, if any. */
    public Optional<StoredKey> findByHash(String keyHash) throws SQLException {
        return database.withHandle(
                h -> h.createQuery("SELECT " + COLUMNS + " FROM bridge_api_keys" + " WHERE key_hash = :key_hash")
                        .bind("key_hash", keyHash)
                        .map(KEY)
                        .findOne());
    }

    /** The key with this id, if any. */
    public Optional<StoredKey> find(String id) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM bridge_api_keys WHERE id = :id")
                .bind("id", id)
                .map(KEY)
                .findOne());
    }

    /**
     * Keys, newest first (then by id).
     *
     * @param clientId       filter, or null
     * @param includeRevoked whether revoked keys are listed
     * @param offset         rows to skip
     * @param limit          page size
     */
    public List<StoredKey> list(String clientId, boolean includeRevoked, int offset, int limit) throws SQLException {
        return database.withHandle(h -> {
            Query query = h.createQuery("SELECT " + COLUMNS + " FROM bridge_api_keys WHERE 1 = 1"
                            + (clientId == null ? "" : " AND client_id = :client_id")
                            + (includeRevoked ? "" : " AND revoked_at IS NULL")
                            + " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset")
                    .bind("limit", limit)
                    .bind("offset", offset);
            if (clientId != null) {
                query.bind("client_id", clientId);
            }
            return query.map(KEY).list();
        });
    }

    /**
     * Revokes a key once: a key already revoked keeps its first revocation time.
     *
     * @return whether a key was revoked now
     */
    public boolean revoke(String id, Instant at) throws SQLException {
        return database.withHandle(h -> h.createUpdate("UPDATE bridge_api_keys SET revoked_at = :at"
                                + " WHERE id = :id AND revoked_at IS NULL")
                        .bind("at", at)
                        .bind("id", id)
                        .execute())
                > 0;
    }

    /**
     * Sets when a key expires.
     *
     * @return whether the key exists
     */
    public boolean expire(String id, Instant at) throws SQLException {
        return database.withHandle(h -> h.createUpdate("UPDATE bridge_api_keys SET expires_at = :at WHERE id = :id")
                        .bindByType("at", at, Instant.class)
                        .bind("id", id)
                        .execute())
                > 0;
    }

    /**
     * A stored key (without its hash).
     *
     * @param id            public id, e.g. {@code key_4f3a…}
     * @param displayPrefix first characters of the key, to recognise it
     * @param clientId      client id
     * @param usageSubject  usage subject
     * @param subjectType   subject type
     * @param description   free text, may be null
     * @param maxPriceWei   price ceiling in wei, or null (then {@code maxPriceUnit} is null too)
     * @param maxPriceUnit  unit of the ceiling, or null
     * @param createdAt     creation time
     * @param expiresAt     expiry, may be null
     * @param revokedAt     revocation time, may be null
     */
    public record StoredKey(
            String id,
            String displayPrefix,
            String clientId,
            String usageSubject,
            String subjectType,
            String description,
            BigInteger maxPriceWei,
            String maxPriceUnit,
            Instant createdAt,
            Instant expiresAt,
            Instant revokedAt) {}
}
