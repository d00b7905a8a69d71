package io.livepeer.clearinghouse.routes.orchestrators.credit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.livepeer.clearinghouse.ledger.earnings.ActivityLeases;
import io.livepeer.clearinghouse.ledger.earnings.Autosleep;
import io.livepeer.clearinghouse.ledger.earnings.ProofHash;
import io.livepeer.clearinghouse.ledger.earnings.SessionBilling;
import io.livepeer.clearinghouse.ledger.earnings.WeiAccrual;
import io.livepeer.clearinghouse.ledger.earnings.Workloads;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Request and response bodies of session, workload and lease endpoints, with livepeer-ops' field names
 * ({@code payments/api.py}); amounts in wei (decimal strings) beside ETH ({@code *_eth}, exact decimal strings).
 */
public final class CreditApiModel {

    private CreditApiModel() {}

    /** {@code POST /api/sessions/events} (the backend's {@code SessionEventPayload}). */
    @JsonNaming(SnakeCaseStrategy.class)
    public record SessionEventRequest(
            String sessionId,
            String orchestratorId,
            String upstreamAddr,
            Integer upstreamPort,
            String edgeId,
            String streamerId,
            String event) {}

    /** A closed segment ({@code segments[]} of the backend's session record, in wei and ETH). */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SegmentView(
            int segmentIndex,
            String startAt,
            String endAt,
            long durationMs,
            String creditedWei,
            String creditedEth,
            String proofHash,
            String trigger,
            String notCredited,
            String transferId) {

        public static SegmentView of(SessionBilling.SegmentRow r) {
            return new SegmentView(
                    r.segmentIndex(),
                    ProofHash.isoformat(r.startAt()),
                    ProofHash.isoformat(r.endAt()),
                    r.durationMs(),
                    r.creditedWei().toString(),
                    WeiAccrual.eth(r.creditedWei()),
                    r.proofHash(),
                    r.trigger(),
                    r.notCredited(),
                    r.transferId());
        }
    }

    /** A session (the backend's {@code sessions.json} record; {@code segments} as stored for this generation). */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SessionView(
            String sessionId,
            int generation,
            String orchestratorId,
            String attribution,
            String upstreamAddr,
            int upstreamPort,
            String edgeId,
            String streamerId,
            Instant startedAt,
            Instant lastSeenAt,
            Instant endedAt,
            Instant updatedAt,
            String lastEvent,
            Instant lastBilledAt,
            long billedMs,
            String billedWei,
            String billedEth,
            String lastCreditedWei,
            String lastCreditedEth,
            long meteredMs,
            int segmentIndex,
            int heartbeatCount,
            String lastCreditProof,
            boolean active,
            List<SegmentView> segments) {

        public static SessionView of(SessionBilling.Session s, boolean active, List<SegmentView> segments) {
            return new SessionView(
                    s.sessionId(),
                    s.generation(),
                    s.orchestratorId(),
                    s.attribution(),
                    s.upstreamAddr(),
                    s.upstreamPort(),
                    s.edgeId(),
                    s.streamerId(),
                    s.startedAt(),
                    s.lastSeenAt(),
                    s.endedAt(),
                    s.updatedAt(),
                    s.lastEvent(),
                    s.lastBilledAt(),
                    s.billedMs(),
                    s.billedWei().toString(),
                    WeiAccrual.eth(s.billedWei()),
                    s.lastCreditedWei().toString(),
                    WeiAccrual.eth(s.lastCreditedWei()),
                    s.meteredMs(),
                    s.segmentIndex(),
                    s.heartbeatCount(),
                    s.lastCreditProof(),
                    active,
                    segments);
        }
    }

    /**
     * The answer to a session event.
     *
     * @param credited    wei credited by this event (sum of its segments)
     * @param notCredited why the closed segments credited nothing, or null
     * @param closed      the segments this event closed
     */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SessionEventResult(
            boolean ok,
            String creditedWei,
            String creditedEth,
            String notCredited,
            List<SegmentView> closed,
            SessionView session) {}

    /** A page of sessions. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record SessionPage(List<SessionView> sessions, String nextCursor) {}

    /** {@code POST /api/workloads/time} (the backend's time workload payload). */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TimeWorkloadRequest(
            String workloadId,
            String orchestratorId,
            Long durationMs,
            String planId,
            String runId,
            String artifactHash,
            String artifactUri,
            String notes,
            String status) {}

    /** A workload with its pricing ({@code pricing.kind = workload_time}). */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record WorkloadView(
            String workloadId,
            String orchestratorId,
            String status,
            long durationMs,
            String planId,
            String runId,
            String artifactHash,
            String artifactUri,
            String notes,
            Map<String, Object> pricing,
            String amountWei,
            String amountEth,
            boolean credited,
            Instant creditedAt,
            String transferId,
            Instant createdAt) {

        public static WorkloadView of(Workloads.Workload w) {
            return new WorkloadView(
                    w.workloadId(),
                    w.orchestratorId(),
                    w.status(),
                    w.durationMs(),
                    w.planId(),
                    w.runId(),
                    w.artifactHash(),
                    w.artifactUri(),
                    w.notes(),
                    Map.of(
                            "kind",
                            w.kind(),
                            "duration_ms",
                            w.durationMs(),
                            "credit_eth_per_minute",
                            w.creditEthPerMinute(),
                            "credit_unit",
                            "wei",
                            "computed_at",
                            w.createdAt().toString()),
                    w.amountWei().toString(),
                    WeiAccrual.eth(w.amountWei()),
                    w.credited(),
                    w.creditedAt(),
                    w.transferId(),
                    w.createdAt());
        }
    }

    /** A page of workloads. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record WorkloadPage(List<WorkloadView> workloads, String nextCursor) {}

    /** {@code POST /api/activity/leases}. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record LeaseRequest(
            String leaseId,
            String orchestratorId,
            String upstreamAddr,
            String kind,
            Long leaseSeconds,
            Map<String, Object> metadata) {}

    /** {@code POST /api/activity/leases/{id}/heartbeat}. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record LeaseHeartbeatRequest(String orchestratorId, Long leaseSeconds) {}

    /** A lease (the backend's lease record). */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record LeaseView(
            String leaseId,
            String orchestratorId,
            String upstreamAddr,
            String kind,
            Object metadata,
            Instant issuedAt,
            Instant lastSeenAt,
            String lastSeenIp,
            Instant expiresAt,
            Instant revokedAt,
            boolean active) {

        public static LeaseView of(ActivityLeases.Lease l, Instant now) {
            Object meta = null;
            if (l.metadata() != null) {
                try {
                    meta = io.livepeer.clearinghouse.routes.http.ApiJson.mapper()
                            .readValue(l.metadata(), Object.class);
                } catch (java.io.IOException e) {
                    meta = l.metadata();
                }
            }
            return new LeaseView(
                    l.leaseId(),
                    l.orchestratorId(),
                    l.upstreamAddr(),
                    l.kind(),
                    meta,
                    l.issuedAt(),
                    l.lastSeenAt(),
                    l.lastSeenIp(),
                    l.expiresAt(),
                    l.revokedAt(),
                    l.activeAt(now));
        }
    }

    /** A page of leases. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record LeasePage(List<LeaseView> leases, String nextCursor) {}

    /** An autosleep decision. */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record AutosleepDecisionView(
            Instant decidedAt, String decision, String reason, String host, String powerState, String detail) {

        public static AutosleepDecisionView of(Autosleep.Decision d) {
            return new AutosleepDecisionView(
                    d.decidedAt(), d.decision(), d.reason(), d.host(), d.powerState(), d.detail());
        }
    }
}
