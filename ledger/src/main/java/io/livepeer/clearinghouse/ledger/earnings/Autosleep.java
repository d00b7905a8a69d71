package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.Texts;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What autosleep needs from the database (livepeer-ops {@code _autosleep_once}, {@code payments/api.py}): which
 * orchestrators are in use (an active session or lease), when each was last active, and the record of every
 * decision (slept, dry run, skipped and why, failed), shown on {@code GET /api/orchestrators/{id}}.
 */
public final class Autosleep {

    private final Database database;
    private final Clock clock;

    public Autosleep(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * An orchestrator's activity.
     *
     * @param activeSessions sessions not ended and seen within the idle timeout
     * @param activeLeases   unrevoked, unexpired leases
     * @param lastActivity   the latest session {@code last_seen_at}/{@code started_at} or lease
     *                       {@code last_seen_at}/{@code issued_at}; null when there is none
     */
    public record Activity(int activeSessions, int activeLeases, Instant lastActivity) {

        /** An orchestrator with no activity at all. */
        public static final Activity NONE = new Activity(0, 0, null);

        /** {@code in_use}: an active session or lease. */
        public boolean inUse() {
            return activeSessions > 0 || activeLeases > 0;
        }
    }

    /**
     * Activity per orchestrator id (absent: none).
     *
     * @param sessionIdle {@code PAYMENTS_SESSION_IDLE_TIMEOUT_SECONDS}
     */
    public Map<String, Activity> activity(Duration sessionIdle) throws SQLException {
        Instant now = clock.instant();
        Instant since = now.minus(sessionIdle);
        return database.withHandle(h -> {
            Map<String, int[]> counts = new HashMap<>();
            Map<String, Instant> last = new HashMap<>();
            h.createQuery("SELECT orchestrator_id, SUM(CASE WHEN ended_at IS NULL AND last_seen_at >= :since THEN 1"
                            + " ELSE 0 END) AS active, MAX(last_seen_at) AS last FROM orchestrator_sessions WHERE"
                            + " orchestrator_id IS NOT NULL GROUP BY orchestrator_id")
                    .bind("since", since)
                    .map((rs, ctx) -> {
                        String id = rs.getString("orchestrator_id");
                        counts.computeIfAbsent(id, k -> new int[2])[0] = rs.getInt("active");
                        last.merge(id, Rows.instant(rs, "last"), Autosleep::later);
                        return id;
                    })
                    .list();
            h.createQuery("SELECT orchestrator_id, SUM(CASE WHEN revoked_at IS NULL AND expires_at > :now THEN 1"
                            + " ELSE 0 END) AS active, MAX(last_seen_at) AS last FROM orchestrator_activity_leases"
                            + " GROUP BY orchestrator_id")
                    .bind("now", now)
                    .map((rs, ctx) -> {
                        String id = rs.getString("orchestrator_id");
                        counts.computeIfAbsent(id, k -> new int[2])[1] = rs.getInt("active");
                        last.merge(id, Rows.instant(rs, "last"), Autosleep::later);
                        return id;
                    })
                    .list();
            Map<String, Activity> out = new HashMap<>();
            counts.forEach((id, c) -> out.put(id, new Activity(c[0], c[1], last.get(id))));
            return out;
        });
    }

    /** One orchestrator's activity (as {@link #activity(Duration)}). */
    public Activity activity(String orchestratorId, Duration sessionIdle) throws SQLException {
        Instant now = clock.instant();
        Instant since = now.minus(sessionIdle);
        return database.withHandle(h -> {
            Object[] s = h.createQuery("SELECT SUM(CASE WHEN ended_at IS NULL AND last_seen_at >= :since THEN 1 ELSE 0"
                            + " END) AS active, MAX(last_seen_at) AS last FROM orchestrator_sessions WHERE"
                            + " orchestrator_id = :id")
                    .bind("since", since)
                    .bind("id", orchestratorId)
                    .map((rs, ctx) -> new Object[] {rs.getInt("active"), Rows.instant(rs, "last")})
                    .one();
            Object[] l = h.createQuery("SELECT SUM(CASE WHEN revoked_at IS NULL AND expires_at > :now THEN 1 ELSE 0"
                            + " END) AS active, MAX(last_seen_at) AS last FROM orchestrator_activity_leases WHERE"
                            + " orchestrator_id = :id")
                    .bind("now", now)
                    .bind("id", orchestratorId)
                    .map((rs, ctx) -> new Object[] {rs.getInt("active"), Rows.instant(rs, "last")})
                    .one();
            return new Activity((Integer) s[0], (Integer) l[0], later((Instant) s[1], (Instant) l[1]));
        });
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }

    /** A recorded decision. */
    public record Decision(
            long id,
            String orchestratorId,
            Instant decidedAt,
            String decision,
            String reason,
            String host,
            String powerState,
            String detail) {}

    /**
     * Records a decision.
     *
     * @param decision {@code slept}, {@code dry_run}, {@code skipped} or {@code failed}
     * @param reason   e.g. {@code in_use}, {@code recently_active}, {@code not_awake}, {@code no_host},
     *                 {@code power_unreachable}, {@code idle}
     */
    public void record(
            String orchestratorId, String decision, String reason, String host, String powerState, String detail)
            throws SQLException {
        Instant now = clock.instant();
        database.withHandle(h -> h.createUpdate("INSERT INTO orchestrator_autosleep_decisions (orchestrator_id,"
                        + " decided_at, decision, reason, host, power_state, detail) VALUES (:orch, :now, :decision,"
                        + " :reason, :host, :state, :detail)")
                .bind("orch", orchestratorId)
                .bind("now", now)
                .bind("decision", decision)
                .bind("reason", reason)
                .bind("host", Texts.clip(host, 255))
                .bind("state", Texts.clip(powerState, 32))
                .bind("detail", Texts.clip(detail, 1000))
                .execute());
    }

    /** The latest decisions about one orchestrator, newest first. */
    public List<Decision> recent(String orchestratorId, int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_autosleep_decisions WHERE"
                        + " orchestrator_id = :orch ORDER BY id DESC LIMIT :limit")
                .bind("orch", orchestratorId)
                .bind("limit", limit)
                .map((rs, ctx) -> new Decision(
                        rs.getLong("id"),
                        rs.getString("orchestrator_id"),
                        Rows.instant(rs, "decided_at"),
                        rs.getString("decision"),
                        rs.getString("reason"),
                        rs.getString("host"),
                        rs.getString("power_state"),
                        rs.getString("detail")))
                .list());
    }

    /** Deletes decisions older than {@code keep}; returns how many. */
    public int prune(Duration keep) throws SQLException {
        Instant before = clock.instant().minus(keep);
        return database.withHandle(
                h -> h.createUpdate("DELETE FROM orchestrator_autosleep_decisions WHERE decided_at < :before")
                        .bind("before", before)
                        .execute());
    }
}
