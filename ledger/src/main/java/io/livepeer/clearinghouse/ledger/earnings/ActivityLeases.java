package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Activity leases (livepeer-ops {@code payments/activity.py}): an orchestrator with an unrevoked lease whose
 * {@code expires_at} is in the future is in use, so autosleep leaves it alone. Lengths follow {@link LeaseBounds}.
 * Session events keep a {@code session:<session_id>} lease of kind {@code session} (an {@code end} revokes it).
 */
public final class ActivityLeases {

    /** Longest {@code lease_id} a caller may choose. */
    public static final int MAX_ID = 128;

    private final Database database;
    private final Clock clock;
    private final LeaseBounds bounds;

    public ActivityLeases(Database database, Clock clock, LeaseBounds bounds) {
        this.database = database;
        this.clock = clock;
        this.bounds = bounds;
    }

    /** The bounds leases are cut to. */
    public LeaseBounds bounds() {
        return bounds;
    }

    /**
     * A lease row.
     *
     * @param metadata JSON text, or null
     */
    public record Lease(
            String leaseId,
            String orchestratorId,
            String upstreamAddr,
            String kind,
            String metadata,
            Instant issuedAt,
            Instant lastSeenAt,
            String lastSeenIp,
            Instant expiresAt,
            Instant revokedAt) {

        /** Not revoked and not expired at {@code now}. */
        public boolean activeAt(Instant now) {
            return revokedAt == null && expiresAt.isAfter(now);
        }
    }

    /**
     * Creates (or renews, when the id exists) a lease.
     *
     * @param leaseId       the caller's id, or null for a random one (uuid hex)
     * @param leaseSeconds  requested seconds, or null for the default
     * @param metadata      JSON text, or null
     * @throws LedgerException.Invalid for a lease_seconds outside 30..86400 or an over-long id
     */
    public Lease create(
            String leaseId,
            String orchestratorId,
            String upstreamAddr,
            String kind,
            Long leaseSeconds,
            String metadata,
            String callerIp)
            throws SQLException {
        long seconds = seconds(leaseSeconds);
        String id = leaseId == null || leaseId.isBlank()
                ? UUID.randomUUID().toString().replace("-", "")
                : leaseId.trim();
        if (id.length() > MAX_ID) {
            throw new LedgerException.Invalid("lease_id", "lease_id is longer than " + MAX_ID + " characters");
        }
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            upsert(h, id, orchestratorId, upstreamAddr, kind, metadata, callerIp, now, now.plusSeconds(seconds));
            return find(h, id).orElseThrow();
        });
    }

    /**
     * Extends an active lease.
     *
     * @throws LedgerException.NotFound when the lease is unknown, revoked, expired or another orchestrator's (404, as
     *                                  the backend answers a heartbeat on an expired or revoked lease)
     */
    public Lease heartbeat(String leaseId, String orchestratorId, Long leaseSeconds, String callerIp)
            throws SQLException {
        long seconds = seconds(leaseSeconds);
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Optional<Lease> lease = h.createQuery("SELECT * FROM orchestrator_activity_leases WHERE lease_id = :id "
                            + database.dialect().rowLockForUpdate())
                    .bind("id", leaseId)
                    .map((rs, ctx) -> lease(rs))
                    .findOne();
            if (lease.isEmpty()
                    || !lease.get().activeAt(now)
                    || (orchestratorId != null
                            && !orchestratorId.equals(lease.get().orchestratorId()))) {
                throw new LedgerException.NotFound(
                        "lease_id",
                        "no active lease " + leaseId + (orchestratorId == null ? "" : " of " + orchestratorId));
            }
            h.createUpdate("UPDATE orchestrator_activity_leases SET last_seen_at = :now, last_seen_ip ="
                            + " COALESCE(:ip, last_seen_ip), expires_at = :expires WHERE lease_id = :id")
                    .bind("now", now)
                    .bind("ip", callerIp)
                    .bind("expires", now.plusSeconds(seconds))
                    .bind("id", leaseId)
                    .execute();
            return find(h, leaseId).orElseThrow();
        });
    }

    /**
     * Revokes a lease (revoking again keeps the first revocation time).
     *
     * @throws LedgerException.NotFound unknown lease
     */
    public Lease revoke(String leaseId) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("UPDATE orchestrator_activity_leases SET revoked_at = :now WHERE lease_id = :id"
                            + " AND revoked_at IS NULL")
                    .bind("now", now)
                    .bind("id", leaseId)
                    .execute();
            return find(h, leaseId).orElseThrow(() -> new LedgerException.NotFound("lease_id", "no lease " + leaseId));
        });
    }

    /** One lease. */
    public Optional<Lease> find(String leaseId) throws SQLException {
        return database.withHandle(h -> find(h, leaseId));
    }

    /**
     * Leases, newest issued first.
     *
     * @param orchestratorId only this orchestrator's, or null
     * @param activeOnly     only unrevoked, unexpired ones
     * @param offset         rows to skip
     */
    public List<Lease> list(String orchestratorId, boolean activeOnly, int offset, int limit) throws SQLException {
        Instant now = clock.instant();
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_activity_leases WHERE"
                        + " (CAST(:orch AS VARCHAR(128)) IS NULL OR orchestrator_id = :orch)"
                        + " AND (:active = FALSE OR (revoked_at IS NULL AND expires_at > :now))"
                        + " ORDER BY issued_at DESC, lease_id LIMIT :limit OFFSET :offset")
                .bind("orch", orchestratorId)
                .bind("active", activeOnly)
                .bind("now", now)
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, ctx) -> lease(rs))
                .list());
    }

    long seconds(Long requested) {
        try {
            return bounds.seconds(requested);
        } catch (IllegalArgumentException e) {
            throw new LedgerException.Invalid("lease_seconds", e.getMessage());
        }
    }

    /** Inserts or renews (un-revokes) a lease in the caller's transaction. */
    static void upsert(
            Handle h,
            String id,
            String orchestratorId,
            String upstreamAddr,
            String kind,
            String metadata,
            String callerIp,
            Instant now,
            Instant expires) {
        int updated = h.createUpdate("UPDATE orchestrator_activity_leases SET orchestrator_id = :orch, upstream_addr ="
                        + " COALESCE(:addr, upstream_addr), kind = :kind, metadata = COALESCE(:meta, metadata),"
                        + " last_seen_at = :now, last_seen_ip = COALESCE(:ip, last_seen_ip), expires_at = :expires,"
                        + " revoked_at = NULL WHERE lease_id = :id")
                .bind("orch", orchestratorId)
                .bind("addr", upstreamAddr)
                .bind("kind", kind)
                .bind("meta", metadata)
                .bind("now", now)
                .bind("ip", callerIp)
                .bind("expires", expires)
                .bind("id", id)
                .execute();
        if (updated == 0) {
            h.createUpdate("INSERT INTO orchestrator_activity_leases (lease_id, orchestrator_id, upstream_addr, kind,"
                            + " metadata, issued_at, last_seen_at, last_seen_ip, expires_at) VALUES (:id, :orch, :addr,"
                            + " :kind, :meta, :now, :now, :ip, :expires) ON CONFLICT DO NOTHING")
                    .bind("id", id)
                    .bind("orch", orchestratorId)
                    .bind("addr", upstreamAddr)
                    .bind("kind", kind)
                    .bind("meta", metadata)
                    .bind("now", now)
                    .bind("ip", callerIp)
                    .bind("expires", expires)
                    .execute();
        }
    }

    /** Revokes a lease in the caller's transaction. */
    static void revoke(Handle h, String id, Instant now) {
        h.createUpdate("UPDATE orchestrator_activity_leases SET revoked_at = :now WHERE lease_id = :id"
                        + " AND revoked_at IS NULL")
                .bind("now", now)
                .bind("id", id)
                .execute();
    }

    private static Optional<Lease> find(Handle h, String id) {
        return h.createQuery("SELECT * FROM orchestrator_activity_leases WHERE lease_id = :id")
                .bind("id", id)
                .map((rs, ctx) -> lease(rs))
                .findOne();
    }

    static Lease lease(ResultSet rs) throws SQLException {
        return new Lease(
                rs.getString("lease_id"),
                rs.getString("orchestrator_id"),
                rs.getString("upstream_addr"),
                rs.getString("kind"),
                rs.getString("metadata"),
                Rows.instant(rs, "issued_at"),
                Rows.instant(rs, "last_seen_at"),
                rs.getString("last_seen_ip"),
                Rows.instant(rs, "expires_at"),
                Rows.instant(rs, "revoked_at"));
    }
}
