package io.livepeer.clearinghouse.bridge;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.keys.ApiKeyStore;
import io.livepeer.clearinghouse.ledger.keys.ApiKeyStore.StoredKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys issued to gateway customers. A key is {@code <prefix>} + 32 random bytes (base64url), e.g.
 * {@code sk_live_3q2-7w…}; only its SHA-256 and the first {@value #DISPLAY_PREFIX} characters are stored, so the
 * plaintext exists only in the response that created it. The rows are kept by the ledger's {@link ApiKeyStore}; keys
 * are generated, hashed and interpreted here.
 */
public final class ApiKeys {

    /** Characters of a key kept for display. */
    public static final int DISPLAY_PREFIX = 12;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApiKeyStore store;
    private final Clock clock;
    private final String prefix;

    /**
     * @param database the database (keys are stored through an {@link ApiKeyStore} on it)
     * @param clock    clock
     * @param prefix   prefix of new keys, e.g. {@code sk_live_}
     */
    public ApiKeys(Database database, Clock clock, String prefix) {
        this(new ApiKeyStore(database), clock, prefix);
    }

    /**
     * @param store  where the keys are stored
     * @param clock  clock
     * @param prefix prefix of new keys, e.g. {@code sk_live_}
     */
    public ApiKeys(ApiKeyStore store, Clock clock, String prefix) {
        this.store = store;
        this.clock = clock;
        this.prefix = prefix;
    }

    /** What a key stands for. */
    public enum State {
        ACTIVE,
        EXPIRED,
        REVOKED
    }

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
    public record ApiKey(
            String id,
            String displayPrefix,
            String clientId,
            String usageSubject,
            String subjectType,
            String description,
            MaxPrice maxPrice,
            Instant createdAt,
            Instant expiresAt,
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
    public record Issued(ApiKey key, String plaintext) {}

    /**
     * Creates a key.
     *
     * @param clientId     client id (no colon: it separates client and subject in the auth id)
     * @param usageSubject usage subject
     * @param subjectType  subject type
     * @param description  free text, or null
     * @param expiresAt    expiry, or null
     * @param maxPrice     price ceiling, or null
     * @throws IllegalArgumentException when the identity would bill another customer ({@link Principal#identityProblem})
     */
    public Issued create(
            String clientId,
            String usageSubject,
            String subjectType,
            String description,
            Instant expiresAt,
            MaxPrice maxPrice)
            throws SQLException {
        String problem = Principal.identityProblem(clientId, usageSubject, subjectType);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String plaintext = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] idBytes = new byte[10];
        RANDOM.nextBytes(idBytes);
        String id = "key_" + HexFormat.of().formatHex(idBytes);
        Instant now = clock.instant();
        store.insert(
                hash(plaintext),
                new StoredKey(
                        id,
                        plaintext.substring(0, Math.min(DISPLAY_PREFIX, plaintext.length())),
                        clientId,
                        usageSubject,
                        subjectType,
                        description,
                        maxPrice == null ? null : maxPrice.priceWei(),
                        maxPrice == null ? null : maxPrice.unit(),
                        now,
                        expiresAt,
                        null));
        return new Issued(find(id).orElseThrow(), plaintext);
    }

    /** The key with this plaintext, if any (by hash). */
    public Optional<ApiKey> findByPlaintext(String plaintext) throws SQLException {
        return store.findByHash(hash(plaintext)).map(ApiKeys::key);
    }

    /** The key with this id, if any. */
    public Optional<ApiKey> find(String id) throws SQLException {
        return store.find(id).map(ApiKeys::key);
    }

    /**
     * Keys, newest first.
     *
     * @param clientId       filter, or null
     * @param includeRevoked whether revoked keys are listed
     */
    public List<ApiKey> list(String clientId, boolean includeRevoked, int offset, int limit) throws SQLException {
        return store.list(clientId, includeRevoked, offset, limit).stream()
                .map(ApiKeys::key)
                .toList();
    }

    /** Revokes a key (once; revoking again keeps the first time). */
    public Optional<ApiKey> revoke(String id) throws SQLException {
        store.revoke(id, clock.instant());
        return find(id);
    }

    /** Sets when a key expires (now, to expire it at once). */
    public Optional<ApiKey> expire(String id, Instant at) throws SQLException {
        store.expire(id, at);
        return find(id);
    }

    private static ApiKey key(StoredKey k) {
        return new ApiKey(
                k.id(),
                k.displayPrefix(),
                k.clientId(),
                k.usageSubject(),
                k.subjectType(),
                k.description(),
                k.maxPriceWei() == null ? null : new MaxPrice(k.maxPriceWei(), k.maxPriceUnit()),
                k.createdAt(),
                k.expiresAt(),
                k.revokedAt());
    }

    /** SHA-256 of a key, hex. */
    static String hash(String plaintext) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(plaintext.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
