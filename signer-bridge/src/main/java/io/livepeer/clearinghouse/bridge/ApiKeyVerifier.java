package io.livepeer.clearinghouse.bridge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Verifies opaque API keys against {@link ApiKeys}. Lookups are cached (by key hash, unknown keys too) for a short
 * time so the webhook does not hit the database on every signing call; revoking or expiring a key through this
 * process invalidates the cache at once, other instances see it within the cache TTL.
 */
public final class ApiKeyVerifier implements CredentialVerifier {

    private final ApiKeys keys;
    private final Clock clock;
    private final Cache<String, Optional<ApiKeys.ApiKey>> cache;

    /**
     * @param keys     the key store
     * @param clock    clock (expiry)
     * @param cacheTtl how long a lookup is reused
     */
    public ApiKeyVerifier(ApiKeys keys, Clock clock, Duration cacheTtl) {
        this.keys = keys;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(cacheTtl)
                .recordStats()
                .build();
    }

    @Override
    public Verification verify(String credential) throws CredentialStoreException {
        String hash = ApiKeys.hash(credential);
        Optional<ApiKeys.ApiKey> key = cache.getIfPresent(hash);
        if (key == null) {
            try {
                key = keys.findByPlaintext(credential);
            } catch (SQLException e) {
                throw new CredentialStoreException("API keys cannot be read", e);
            }
            cache.put(hash, key);
        }
        if (key.isEmpty()) {
            return new Verification.Denied(401, "unknown_credential", "unknown API key");
        }
        return switch (key.get().state(clock.instant())) {
            case REVOKED ->
                new Verification.Denied(
                        403, "credential_revoked", "API key " + key.get().displayPrefix() + "… was revoked");
            case EXPIRED ->
                new Verification.Denied(
                        401,
                        "credential_expired",
                        "API key " + key.get().displayPrefix() + "… expired at "
                                + key.get().expiresAt());
            case ACTIVE -> {
                // a key stored before identities were checked may carry a subject that bills another customer
                String problem = Principal.identityProblem(
                        key.get().clientId(),
                        key.get().usageSubject(),
                        key.get().subjectType());
                yield problem == null
                        ? new Verification.Verified(key.get().principal())
                        : new Verification.Denied(403, "identity_not_allowed", "API key identity refused: " + problem);
            }
        };
    }

    /** Forgets every cached lookup (after a key was revoked or its expiry changed). */
    public void invalidateAll() {
        cache.invalidateAll();
    }

    /** Cache statistics (hits, misses). */
    public CacheStats stats() {
        return cache.stats();
    }

    @Override
    public String mode() {
        return "api_key";
    }
}
