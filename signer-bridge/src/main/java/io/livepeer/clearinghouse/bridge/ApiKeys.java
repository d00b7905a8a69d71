package io.livepeer.clearinghouse.bridge;

import io.livepeer.clearinghouse.ledger.Database;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys issued to gateway customers. A key is {@code <prefix>} + 32 random bytes (base64url), e.g.
 * {@code sk_live_3q2-7w…}; only its SHA-256 and the first {@value #DISPLAY_PREFIX} characters are stored, so the
 * plaintext exists only in the response that created it.
 */
public final class ApiKeys {

    /** Characters of a key kept for display. */
    public static final int DISPLAY_PREFIX = 12;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS = "id, key_prefix, client_id, usage_subject, subject_type, description,"
            + " max_price_wei, max_price_unit, created_at, expires_at, revoked_at";

    private final Database database;
    private final Clock clock;
    private final String prefix;

    /**
     * @param database the database
     * @param clock    clock
     * @param prefix   prefix of new keys, e.g. {@code sk_live_}
     */
    public ApiKeys(Database database, Clock clock, String prefix) {
        this.database = database;
        this.clock = clock;
        this.prefix = prefix;
    }

    /** What a key stands for. */
    public enum State { ACTIVE, EXPIRED, REVOKED }

    /**
     * A stored key (without its secret).
     *
     * @param id           public id, e.g. {@code key_4f3a…}
     * @param displayPrefix first characters of the key
     * @param clientId     client id
     * @param usageSubject usage subject (the user, or the owner's user id)
     * @param subjectType  {@code external_user_id}, {@code app_owner}, ...
     * @param description  free text, may be null
     * @param maxPrice     price ceiling, may be null
     * @param createdAt    creation time
     * @param expiresAt    expiry, may be null
     * @param revokedAt    revocation time, may be null
     */
    public record ApiKey(String id, String displayPrefix, String clientId, String usageSubject, String subjectType,
                         String description, MaxPrice maxPrice, Instant createdAt, Instant expiresAt,
                         Instant revokedAt) {

        /** State at {@code now}. */
        public State state(Instant now) {
            if (revokedAt != null) {
                return State.REVOKED;
            }
            return expiresAt != null && !now.isBefore(expiresAt) ? State.EXPIRED : State.ACTIVE;
        }

        /** The principal this key authenticates. */
        public Principal principal() {
            return new Principal(clientId, usageSubject, subjectType, null, maxPrice);
        }
    }

    /**
     * A newly created key.
     *
     * @param key       the stored key
     * @param plaintext the secret: shown once, never stored
     */
    public record Issued(ApiKey key, String plaintext) {
    }

    /**
     * Creates a key.
     *
     * @param clientId     client id (no colon: it separates client and subject in the auth id)
     * @param usageSubject usage subject
     * @param subjectType  subject type
     * @param description  free text, or null
     * @param expiresAt    expiry, or null
     * @param maxPrice     price ceiling, or null
     */
    public Issued create(String clientId, String usageSubject, String subjectType, String description,
                         Instant expiresAt, MaxPrice maxPrice) throws SQLException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String plaintext = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] idBytes = new byte[10];
        RANDOM.nextBytes(idBytes);
        String id = "key_" + HexFormat.of().formatHex(idBytes);
        Instant now = clock.instant();
        database.withConnection(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO bridge_api_keys (id, key_hash, key_prefix,"
                    + " client_id, usage_subject, subject_type, description, max_price_wei, max_price_unit, created_at,"
                    + " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, id);
                insert.setString(2, hash(plaintext));
                insert.setString(3, plaintext.substring(0, Math.min(DISPLAY_PREFIX, plaintext.length())));
                insert.setString(4, clientId);
                insert.setString(5, usageSubject);
                insert.setString(6, subjectType);
                insert.setString(7, description);
                if (maxPrice == null) {
                    insert.setNull(8, Types.NUMERIC);
                    insert.setNull(9, Types.VARCHAR);
                } else {
                    insert.setBigDecimal(8, new BigDecimal(maxPrice.priceWei()));
                    insert.setString(9, maxPrice.unit());
                }
                insert.setObject(10, utc(now));
                insert.setObject(11, utc(expiresAt));
                return insert.executeUpdate();
            }
        });
        return new Issued(find(id).orElseThrow(), plaintext);
    }

    /** The key with this plaintext, if any (by hash). */
    public Optional<ApiKey> findByPlaintext(String plaintext) throws SQLException {
        return one("SELECT " + COLUMNS + " FROM bridge_api_keys WHERE key_hash = ?", hash(plaintext));
    }

    /** The key with this id, if any. */
    public Optional<ApiKey> find(String id) throws SQLException {
        return one("SELECT " + COLUMNS + " FROM bridge_api_keys WHERE id = ?", id);
    }

    /**
     * Keys, newest first.
     *
     * @param clientId       filter, or null
     * @param includeRevoked whether revoked keys are listed
     */
    public List<ApiKey> list(String clientId, boolean includeRevoked, int offset, int limit) throws SQLException {
        return database.withConnection(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM bridge_api_keys WHERE 1 = 1");
            if (clientId != null) {
                sql.append(" AND client_id = ?");
            }
            if (!includeRevoked) {
                sql.append(" AND revoked_at IS NULL");
            }
            sql.append(" ORDER BY created_at DESC, id LIMIT ? OFFSET ?");
            try (PreparedStatement select = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (clientId != null) {
                    select.setString(i++, clientId);
                }
                select.setInt(i++, limit);
                select.setInt(i, offset);
                List<ApiKey> keys = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        keys.add(key(rs));
                    }
                }
                return keys;
            }
        });
    }

    /** Revokes a key (once; revoking again keeps the first time). */
    public Optional<ApiKey> revoke(String id) throws SQLException {
        database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE bridge_api_keys SET revoked_at = ?"
                    + " WHERE id = ? AND revoked_at IS NULL")) {
                update.setObject(1, utc(clock.instant()));
                update.setString(2, id);
                return update.executeUpdate();
            }
        });
        return find(id);
    }

    /** Sets when a key expires (now, to expire it at once). */
    public Optional<ApiKey> expire(String id, Instant at) throws SQLException {
        database.withConnection(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE bridge_api_keys SET expires_at = ?"
                    + " WHERE id = ?")) {
                update.setObject(1, utc(at));
                update.setString(2, id);
                return update.executeUpdate();
            }
        });
        return find(id);
    }

    private Optional<ApiKey> one(String sql, String parameter) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement(sql)) {
                select.setString(1, parameter);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? Optional.of(key(rs)) : Optional.empty();
                }
            }
        });
    }

    private static ApiKey key(ResultSet rs) throws SQLException {
        BigDecimal price = rs.getBigDecimal(7);
        return new ApiKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), price == null ? null : new MaxPrice(price.toBigIntegerExact(), rs.getString(8)),
                instant(rs.getObject(9, OffsetDateTime.class)), instant(rs.getObject(10, OffsetDateTime.class)),
                instant(rs.getObject(11, OffsetDateTime.class)));
    }

    /** SHA-256 of a key, hex. */
    static String hash(String plaintext) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(plaintext.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
