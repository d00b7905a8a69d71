package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Time workloads (livepeer-ops {@code POST /api/workloads/time}, {@code payments/workloads.py}): credit
 * {@code duration_ms × rate / 60000} ETH, as whole wei rounded down, when the status is {@code verified} or
 * {@code paid}, with {@code reason=workload_time} and transfer id {@code workload_time:<workload_id>}. The record and
 * its credit commit together. A repeated {@code workload_id} with the same content returns the first result; with
 * other content it is refused (409).
 */
public final class Workloads {

    private final Database database;
    private final Clock clock;
    private final EarningsCredit credit;

    public Workloads(Database database, Clock clock, EarningsCredit credit) {
        this.database = database;
        this.clock = clock;
        this.credit = credit;
    }

    /** A stored workload. */
    public record Workload(
            String workloadId,
            String orchestratorId,
            String kind,
            long durationMs,
            String planId,
            String runId,
            String artifactHash,
            String artifactUri,
            String notes,
            String status,
            String creditEthPerMinute,
            BigInteger amountWei,
            boolean credited,
            Instant creditedAt,
            String transferId,
            Instant createdAt) {}

    /**
     * @param w            a {@link TimeWorkload#validated()} request for a registered orchestrator
     * @param ethPerMinute the rate ({@code PAYMENTS_WORKLOAD_TIME_CREDIT_ETH_PER_MINUTE})
     * @return the workload, and whether it was recorded now (false: the same request was recorded before)
     * @throws LedgerException.Conflict the workload_id was used with other content
     */
    public Recorded recordTime(TimeWorkload w, BigDecimal ethPerMinute) throws SQLException {
        BigInteger rate = WeiAccrual.weiPerMinute(ethPerMinute);
        BigInteger amount = WeiAccrual.oneOff(w.durationMs(), rate);
        String hash = w.contentHash();
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            int inserted = h.createUpdate("INSERT INTO orchestrator_workloads (workload_id, orchestrator_id, kind,"
                            + " duration_ms, plan_id, run_id, artifact_hash, artifact_uri, notes, status,"
                            + " credit_eth_per_minute, amount_wei, content_hash, created_at) VALUES (:id, :orch,"
                            + " 'workload_time', :dur, :plan, :run, :ahash, :auri, :notes, :status, :rate, :amount,"
                            + " :chash, :now) ON CONFLICT DO NOTHING")
                    .bind("id", w.workloadId())
                    .bind("orch", w.orchestratorId())
                    .bind("dur", w.durationMs())
                    .bind("plan", w.planId())
                    .bind("run", w.runId())
                    .bind("ahash", w.artifactHash())
                    .bind("auri", w.artifactUri())
                    .bind("notes", w.notes())
                    .bind("status", w.status())
                    .bind("rate", ethPerMinute.stripTrailingZeros().toPlainString())
                    .bind("amount", amount)
                    .bind("chash", hash)
                    .bind("now", now)
                    .execute();
            if (inserted == 0) {
                String existing = h.createQuery(
                                "SELECT content_hash FROM orchestrator_workloads WHERE workload_id = :id")
                        .bind("id", w.workloadId())
                        .mapTo(String.class)
                        .one();
                if (!existing.trim().equals(hash)) {
                    throw new LedgerException.Conflict(
                            "workload_id",
                            "workload_id " + w.workloadId() + " was already recorded with other content");
                }
                return new Recorded(find(h, w.workloadId()).orElseThrow(), false);
            }
            if (w.credits() && amount.signum() > 0) {
                String transferId = "workload_time:" + w.workloadId();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload_id", w.workloadId());
                m.put("plan_id", w.planId());
                m.put("run_id", w.runId());
                m.put("status", w.status());
                m.put("artifact_uri", w.artifactUri());
                m.put("artifact_hash", w.artifactHash());
                m.put("duration_ms", String.valueOf(w.durationMs()));
                m.put("credit_eth_per_minute", ethPerMinute.stripTrailingZeros().toPlainString());
                m.put("credit_unit", "wei");
                credit.credit(w.orchestratorId(), amount, transferId, "workload_time", m);
                h.createUpdate("UPDATE orchestrator_workloads SET credited = TRUE, credited_at = :now, transfer_id ="
                                + " :tid WHERE workload_id = :id")
                        .bind("now", now)
                        .bind("tid", transferId)
                        .bind("id", w.workloadId())
                        .execute();
            }
            return new Recorded(find(h, w.workloadId()).orElseThrow(), true);
        });
    }

    /** A workload and whether this call recorded it. */
    public record Recorded(Workload workload, boolean created) {}

    /**
     * Workloads, newest first.
     *
     * @param orchestratorId only this orchestrator's, or null
     * @param status         only this status, or null
     * @param since          created at or after, or null
     * @param until          created before, or null
     */
    public List<Workload> list(
            String orchestratorId, String status, Instant since, Instant until, int offset, int limit)
            throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_workloads WHERE"
                        + " (CAST(:orch AS VARCHAR(128)) IS NULL OR orchestrator_id = :orch)"
                        + " AND (CAST(:status AS VARCHAR(16)) IS NULL OR status = :status)"
                        + " AND created_at >= :since AND created_at < :until"
                        + " ORDER BY created_at DESC, workload_id LIMIT :limit OFFSET :offset")
                .bind("orch", orchestratorId)
                .bind("status", status)
                .bind("since", since == null ? Instant.EPOCH : since)
                .bind("until", until == null ? Instant.parse("9999-01-01T00:00:00Z") : until)
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, ctx) -> workload(rs))
                .list());
    }

    /** One workload. */
    public Optional<Workload> find(String workloadId) throws SQLException {
        return database.withHandle(h -> find(h, workloadId));
    }

    private static Optional<Workload> find(org.jdbi.v3.core.Handle h, String id) {
        return h.createQuery("SELECT * FROM orchestrator_workloads WHERE workload_id = :id")
                .bind("id", id)
                .map((rs, ctx) -> workload(rs))
                .findOne();
    }

    private static Workload workload(ResultSet rs) throws SQLException {
        return new Workload(
                rs.getString("workload_id"),
                rs.getString("orchestrator_id"),
                rs.getString("kind"),
                rs.getLong("duration_ms"),
                rs.getString("plan_id"),
                rs.getString("run_id"),
                rs.getString("artifact_hash"),
                rs.getString("artifact_uri"),
                rs.getString("notes"),
                rs.getString("status"),
                rs.getString("credit_eth_per_minute"),
                Rows.integer(rs, "amount_wei"),
                rs.getBoolean("credited"),
                Rows.instant(rs, "credited_at"),
                rs.getString("transfer_id"),
                Rows.instant(rs, "created_at"));
    }
}
