package io.livepeer.clearinghouse.ledger.orchestrators;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Health state of orchestrators (V11: columns of {@code orchestrators}, table {@code orchestrator_health_samples}):
 * forwarder snapshots, health samples with bounded history, and the eligibility rules of the livepeer-ops backend
 * ({@code Registry.record_missed_all_services}, {@code record_healthy_cycle}, {@code set_cooldown}):
 *
 * <ul>
 *   <li>a <b>miss</b> ({@link HealthObservation#miss()}) counts up {@code consecutive_misses}; at the threshold
 *       ({@code PAYMENTS_MISS_THRESHOLD}, 3) a cooldown of {@code PAYMENTS_COOLDOWN_SECONDS} (3600 s) starts and the
 *       counter resets;</li>
 *   <li>a <b>healthy</b> cycle (a service up) resets the counter, sets {@code last_healthy_at} and clears a running
 *       cooldown (issue 11: "a healthy cycle clears it");</li>
 *   <li>an expired cooldown is cleared lazily (at its expiry time) on the next cycle.</li>
 * </ul>
 * Each cycle of one orchestrator is one transaction that locks its row, so concurrent cycles cannot lose a miss.
 */
public final class OrchestratorHealthStore {

    private static final int MAX_SUMMARY = 8000;
    private static final int MAX_ERROR = 500;

    private final Database database;
    private final Clock clock;

    public OrchestratorHealthStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** What a cycle changed. */
    public enum Transition {
        NONE,
        COOLDOWN_STARTED,
        COOLDOWN_CLEARED
    }

    /**
     * Stores a forwarder snapshot ({@code POST /api/orchestrators/{id}/health}); when {@code servicesUp > 0} it also
     * records contact ({@code last_seen}, {@code last_contact_source = source}, {@code last_seen_ip = ip}).
     *
     * @param data the snapshot's {@code data} object as JSON text (the caller bounds its size)
     * @throws LedgerException.NotFound unknown orchestrator
     */
    public void storeSnapshot(String orchestratorId, String source, String data, Integer servicesUp, String ip)
            throws SQLException {
        Instant now = clock.instant();
        boolean contact = servicesUp != null && servicesUp > 0;
        int n = database.withHandle(h -> h.createUpdate("UPDATE orchestrators SET forwarder_health_source = :s,"
                        + " forwarder_health_reported_at = :now, forwarder_health_data = :d"
                        + (contact
                                ? ", last_seen = :now, last_contact_source = :s, last_seen_ip = COALESCE(:ip,"
                                        + " last_seen_ip)"
                                : "")
                        + ", updated_at = :now WHERE orchestrator_id = :id")
                .bind("s", source)
                .bind("now", now)
                .bind("d", data)
                .bind("ip", ip)
                .bind("id", orchestratorId)
                .execute());
        if (n == 0) {
            throw new LedgerException.NotFound("orchestrator_id", "no orchestrator " + orchestratorId);
        }
    }

    /**
     * Records one health cycle of an orchestrator: a sample, its last health, contact (a reachable
     * {@code health_url} poll), and the eligibility rules.
     *
     * @param missThreshold consecutive misses that start a cooldown (≥ 1)
     * @param cooldown      how long a cooldown lasts
     * @return what changed; {@link Transition#NONE} also for an unknown (deleted) orchestrator
     */
    public Transition recordCycle(String orchestratorId, HealthObservation o, int missThreshold, Duration cooldown)
            throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Optional<State> locked = lock(h, orchestratorId);
            if (locked.isEmpty()) {
                return Transition.NONE;
            }
            State s = locked.get();
            h.createUpdate("INSERT INTO orchestrator_health_samples (orchestrator_id, sampled_at, source, reachable,"
                            + " services_up, total_services, overall_uptime, eligible_for_payment, latency_ms, error,"
                            + " summary) VALUES (:id, :now, :source, :reachable, :up, :total, :uptime, :eligible,"
                            + " :latency, :error, :summary)")
                    .bind("id", orchestratorId)
                    .bind("now", now)
                    .bind("source", o.source())
                    .bind("reachable", o.reachable())
                    .bind("up", o.servicesUp())
                    .bind("total", o.totalServices())
                    .bind("uptime", clampUptime(o.overallUptime()))
                    .bind("eligible", o.eligibleForPayment())
                    .bind("latency", o.latencyMs())
                    .bind("error", cut(o.error(), MAX_ERROR))
                    .bind("summary", cut(o.summary(), MAX_SUMMARY))
                    .execute();
            Instant cooldownUntil = s.cooldownExpiresAt();
            Instant clearedAt = null;
            if (cooldownUntil != null && !cooldownUntil.isAfter(now)) {
                clearedAt = cooldownUntil; // expired: cleared lazily, at its expiry
                cooldownUntil = null;
            }
            int misses = s.misses();
            Instant missedAt = null;
            Instant startedAt = null;
            Instant healthyAt = null;
            Transition transition = Transition.NONE;
            if (o.healthy()) {
                misses = 0;
                healthyAt = now;
                if (cooldownUntil != null) {
                    cooldownUntil = null;
                    clearedAt = now;
                    transition = Transition.COOLDOWN_CLEARED;
                }
            } else if (o.miss()) {
                misses++;
                missedAt = now;
                if (misses >= missThreshold) {
                    misses = 0;
                    cooldownUntil = now.plus(cooldown);
                    startedAt = now;
                    clearedAt = null;
                    transition = Transition.COOLDOWN_STARTED;
                }
            }
            boolean contact = o.reachable() && "health_url".equals(o.source());
            h.createUpdate("UPDATE orchestrators SET consecutive_misses = :misses, cooldown_expires_at = :until,"
                            + " last_cooldown_started_at = COALESCE(:started, last_cooldown_started_at),"
                            + " last_cooldown_cleared_at = COALESCE(:cleared, last_cooldown_cleared_at),"
                            + " last_missed_all_services = COALESCE(:missed, last_missed_all_services),"
                            + " last_healthy_at = COALESCE(:healthy, last_healthy_at), last_health_at = :now,"
                            + " last_health_source = :source, last_health_up = :up, last_health_summary = :summary"
                            + (contact
                                    ? ", last_seen = :now, last_contact_source = 'health_url', last_seen_ip ="
                                            + " COALESCE(:ip, last_seen_ip)"
                                    : "")
                            + " WHERE orchestrator_id = :id")
                    .bind("misses", misses)
                    .bind("until", cooldownUntil)
                    .bind("started", startedAt)
                    .bind("cleared", clearedAt)
                    .bind("missed", missedAt)
                    .bind("healthy", healthyAt)
                    .bind("now", now)
                    .bind("source", o.source())
                    .bind("up", o.healthy())
                    .bind("summary", cut(o.summary() != null ? o.summary() : errorJson(o.error()), MAX_SUMMARY))
                    .bind("ip", o.contactIp())
                    .bind("id", orchestratorId)
                    .execute();
            return transition;
        });
    }

    /**
     * Bounds the history: removes samples older than {@code retention}, and per orchestrator all but the newest
     * {@code keepPerOrchestrator}.
     *
     * @return samples removed
     */
    public int prune(Duration retention, int keepPerOrchestrator) throws SQLException {
        Instant cutoff = clock.instant().minus(retention);
        return database.inTransaction(h -> {
            int removed = h.createUpdate("DELETE FROM orchestrator_health_samples WHERE sampled_at < :cutoff")
                    .bind("cutoff", cutoff)
                    .execute();
            List<String> ids = h.createQuery("SELECT orchestrator_id FROM orchestrator_health_samples GROUP BY"
                            + " orchestrator_id HAVING COUNT(*) > :keep")
                    .bind("keep", keepPerOrchestrator)
                    .mapTo(String.class)
                    .list();
            for (String id : ids) {
                Long boundary = h.createQuery("SELECT id FROM orchestrator_health_samples WHERE orchestrator_id = :o"
                                + " ORDER BY id DESC LIMIT 1 OFFSET :keep")
                        .bind("o", id)
                        .bind("keep", keepPerOrchestrator)
                        .mapTo(Long.class)
                        .findOne()
                        .orElse(null);
                if (boundary != null) {
                    removed += h.createUpdate("DELETE FROM orchestrator_health_samples WHERE orchestrator_id = :o"
                                    + " AND id <= :b")
                            .bind("o", id)
                            .bind("b", boundary)
                            .execute();
                }
            }
            return removed;
        });
    }

    /** An orchestrator's newest samples, newest first. */
    public List<Sample> samples(String orchestratorId, int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_health_samples WHERE"
                        + " orchestrator_id = :o ORDER BY id DESC LIMIT :limit")
                .bind("o", orchestratorId)
                .bind("limit", limit)
                .map((rs, ctx) -> new Sample(
                        Rows.instant(rs, "sampled_at"),
                        rs.getString("source"),
                        rs.getBoolean("reachable"),
                        Rows.nullableInt(rs, "services_up"),
                        Rows.nullableInt(rs, "total_services"),
                        rs.getBigDecimal("overall_uptime"),
                        rs.getString("error")))
                .list());
    }

    /**
     * A stored sample.
     *
     * @param at            when
     * @param source        {@code health_url} or a snapshot source
     * @param reachable     the payload was read
     * @param servicesUp    may be null
     * @param totalServices may be null
     * @param overallUptime percent, may be null
     * @param error         why unreachable, may be null
     */
    public record Sample(
            Instant at,
            String source,
            boolean reachable,
            Integer servicesUp,
            Integer totalServices,
            BigDecimal overallUptime,
            String error) {}

    private record State(int misses, Instant cooldownExpiresAt) {}

    private Optional<State> lock(Handle h, String id) {
        return h.createQuery("SELECT consecutive_misses, cooldown_expires_at FROM orchestrators WHERE orchestrator_id"
                        + " = :id " + database.dialect().rowLockForUpdate())
                .bind("id", id)
                .map((rs, ctx) -> new State(rs.getInt("consecutive_misses"), Rows.instant(rs, "cooldown_expires_at")))
                .findOne();
    }

    private static BigDecimal clampUptime(BigDecimal uptime) {
        if (uptime == null) {
            return null;
        }
        BigDecimal v = uptime.max(BigDecimal.ZERO).min(BigDecimal.valueOf(100));
        return v.setScale(3, java.math.RoundingMode.HALF_EVEN);
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static String errorJson(String error) {
        return error == null ? null : io.livepeer.clearinghouse.ledger.Metadata.of("error", error);
    }
}
