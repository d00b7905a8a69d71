package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@code POST /api/workloads/time} request with livepeer-ops' validation ({@code payments/api.py}
 * {@code TimeWorkloadPayload}): {@code workload_id} 1..255 characters, {@code orchestrator_id} registered (checked by
 * the store), {@code duration_ms} in 1..86,400,000, at least one of {@code artifact_hash} / {@code artifact_uri},
 * {@code status} one of {@code pending|verified|paid|rejected} (default {@code verified}).
 */
public record TimeWorkload(
        String workloadId,
        String orchestratorId,
        Long durationMs,
        String planId,
        String runId,
        String artifactHash,
        String artifactUri,
        String notes,
        String status) {

    /** Longest duration accepted: one day in ms. */
    public static final long MAX_DURATION_MS = 86_400_000L;

    /** Statuses; {@code verified} and {@code paid} credit. */
    public static final Set<String> STATUSES = Set.of("pending", "verified", "paid", "rejected");

    /**
     * @return this request with defaults applied ({@code status} verified, blank optionals as null)
     * @throws LedgerException.Invalid naming the first field at fault
     */
    public TimeWorkload validated() {
        String id = trim(workloadId);
        if (id == null) {
            throw new LedgerException.Invalid("workload_id", "workload_id is required");
        }
        if (id.length() > 255) {
            throw new LedgerException.Invalid("workload_id", "workload_id is longer than 255 characters");
        }
        String orch = trim(orchestratorId);
        if (orch == null) {
            throw new LedgerException.Invalid("orchestrator_id", "orchestrator_id is required");
        }
        if (durationMs == null) {
            throw new LedgerException.Invalid("duration_ms", "duration_ms is required");
        }
        if (durationMs <= 0 || durationMs > MAX_DURATION_MS) {
            throw new LedgerException.Invalid(
                    "duration_ms", "duration_ms must be greater than 0 and at most " + MAX_DURATION_MS);
        }
        String hash = trim(artifactHash);
        String uri = trim(artifactUri);
        if (hash == null && uri == null) {
            throw new LedgerException.Invalid("artifact_hash", "artifact_hash or artifact_uri is required");
        }
        check("plan_id", planId, 255);
        check("run_id", runId, 255);
        check("artifact_hash", hash, 255);
        check("artifact_uri", uri, 2048);
        check("notes", notes, 2000);
        String st = trim(status) == null ? "verified" : status.trim().toLowerCase(java.util.Locale.ROOT);
        if (!STATUSES.contains(st)) {
            throw new LedgerException.Invalid("status", "status must be one of pending, verified, paid, rejected");
        }
        return new TimeWorkload(id, orch, durationMs, trim(planId), trim(runId), hash, uri, notes, st);
    }

    /** Whether this workload earns credit ({@code verified} or {@code paid}). */
    public boolean credits() {
        return "verified".equals(status) || "paid".equals(status);
    }

    /** SHA-256 hex of the canonical content: the same workload_id with another hash is a conflicting reuse (409). */
    public String contentHash() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload_id", workloadId);
        m.put("orchestrator_id", orchestratorId);
        m.put("duration_ms", durationMs);
        m.put("plan_id", planId);
        m.put("run_id", runId);
        m.put("artifact_hash", artifactHash);
        m.put("artifact_uri", artifactUri);
        m.put("notes", notes);
        m.put("status", status);
        return ProofHash.sha256Hex(PyJson.object(m));
    }

    private static void check(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw new LedgerException.Invalid(field, field + " is longer than " + max + " characters");
        }
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
