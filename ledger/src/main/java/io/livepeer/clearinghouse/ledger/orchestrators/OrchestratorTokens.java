package io.livepeer.clearinghouse.ledger.orchestrators;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Orchestrator API tokens (table {@code orchestrator_tokens}, V11) for {@code GET /api/orchestrators/me}: created
 * by an admin for one orchestrator, shown once, stored only as {@code "sha256:" + hex} (as the backend's
 * {@code payments/licenses.py}), optionally expiring, revocable. A token is 32 random bytes, base64url, prefixed
 * {@code orch_}.
 */
public final class OrchestratorTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Longest lifetime a token may be given. */
    public static final Duration MAX_TTL = Duration.ofDays(3660);

    private final Database database;
    private final Clock clock;

    public OrchestratorTokens(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Creates a token.
     *
     * @param ttl lifetime, or null for none (at most {@link #MAX_TTL})
     * @return the token (its only appearance in plain text)
     * @throws LedgerException.NotFound unknown orchestrator
     * @throws LedgerException.Invalid  a bad ttl or label
     */
    public Created create(String orchestratorId, String label, Duration ttl) throws SQLException {
        if (ttl != null && (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0)) {
            throw new LedgerException.Invalid("ttl_seconds", "ttl_seconds must be 1 to " + MAX_TTL.toSeconds());
        }
        if (label != null && label.length() > 255) {
            throw new LedgerException.Invalid("label", "label is longer than 255 characters");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "orch_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        String tokenId = "otk_" + HexFormat.of().formatHex(id);
        Instant now = clock.instant();
        Instant expires = ttl == null ? null : now.plus(ttl);
        database.inTransaction(h -> {
            boolean known = h.createQuery("SELECT COUNT(*) FROM orchestrators WHERE orchestrator_id = :o")
                            .bind("o", orchestratorId)
                            .mapTo(Long.class)
                            .one()
                    > 0;
            if (!known) {
                throw new LedgerException.NotFound("orchestrator_id", "no orchestrator " + orchestratorId);
            }
            return h.createUpdate("INSERT INTO orchestrator_tokens (token_id, orchestrator_id, token_hash, label,"
                            + " created_at, expires_at) VALUES (:id, :o, :hash, :label, :now, :expires)")
                    .bind("id", tokenId)
                    .bind("o", orchestratorId)
                    .bind("hash", hash(token))
                    .bind("label", label)
                    .bind("now", now)
                    .bind("expires", expires)
                    .execute();
        });
        return new Created(new TokenInfo(tokenId, orchestratorId, label, now, expires, null, null), token);
    }

    /**
     * The orchestrator a presented token belongs to, when it is known, unrevoked and unexpired; records its use.
     * The lookup is by the token's SHA-256, so the comparison never touches the plain token.
     */
    public Optional<TokenInfo> authenticate(String token) throws SQLException {
        if (token == null || token.isBlank() || token.length() > 200) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Optional<TokenInfo> info =
                database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_tokens WHERE token_hash = :hash")
                        .bind("hash", hash(token))
                        .map((rs, ctx) -> row(rs))
                        .findOne());
        Optional<TokenInfo> valid = info.filter(t ->
                t.revokedAt() == null && (t.expiresAt() == null || t.expiresAt().isAfter(now)));
        if (valid.isPresent()) {
            database.withHandle(
                    h -> h.createUpdate("UPDATE orchestrator_tokens SET last_used_at = :now WHERE token_id = :id")
                            .bind("now", now)
                            .bind("id", valid.get().tokenId())
                            .execute());
        }
        return valid;
    }

    /**
     * Revokes a token (again: no change).
     *
     * @throws LedgerException.NotFound unknown token id
     */
    public TokenInfo revoke(String tokenId) throws SQLException {
        Instant now = clock.instant();
        database.withHandle(h -> h.createUpdate("UPDATE orchestrator_tokens SET revoked_at = :now WHERE token_id ="
                        + " :id AND revoked_at IS NULL")
                .bind("now", now)
                .bind("id", tokenId)
                .execute());
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_tokens WHERE token_id = :id")
                        .bind("id", tokenId)
                        .map((rs, ctx) -> row(rs))
                        .findOne())
                .orElseThrow(() -> new LedgerException.NotFound("token_id", "no orchestrator token " + tokenId));
    }

    /** An orchestrator's tokens (never their values), newest first. */
    public List<TokenInfo> list(String orchestratorId) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_tokens WHERE orchestrator_id = :o"
                        + " ORDER BY created_at DESC, token_id")
                .bind("o", orchestratorId)
                .map((rs, ctx) -> row(rs))
                .list());
    }

    private static TokenInfo row(java.sql.ResultSet rs) throws SQLException {
        return new TokenInfo(
                rs.getString("token_id"),
                rs.getString("orchestrator_id"),
                rs.getString("label"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "expires_at"),
                Rows.instant(rs, "revoked_at"),
                Rows.instant(rs, "last_used_at"));
    }

    /** {@code "sha256:" + hex(SHA-256(token))}. */
    static String hash(String token) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A token's record (never its value).
     *
     * @param tokenId        public id ({@code otk_…})
     * @param orchestratorId whose
     * @param label          may be null
     * @param createdAt      creation
     * @param expiresAt      may be null (no expiry)
     * @param revokedAt      may be null
     * @param lastUsedAt     may be null
     */
    public record TokenInfo(
            String tokenId,
            String orchestratorId,
            String label,
            Instant createdAt,
            Instant expiresAt,
            Instant revokedAt,
            Instant lastUsedAt) {}

    /**
     * A new token.
     *
     * @param info  its record
     * @param token the plain token, shown once
     */
    public record Created(TokenInfo info, String token) {
        @Override
        public String toString() {
            return "Created[" + info + ", token=<redacted>]";
        }
    }
}
