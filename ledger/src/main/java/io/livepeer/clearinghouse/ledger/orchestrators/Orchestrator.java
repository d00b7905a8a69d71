package io.livepeer.clearinghouse.ledger.orchestrators;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A registered orchestrator: the livepeer-ops backend's registry record ({@code payments/registry.py},
 * {@code registry.json}) with the same field names where operators use them.
 *
 * @param orchestratorId            id; its earnings account is {@code orchestrator:<id>} (wei)
 * @param address                   payout address, EIP-55 checksummed
 * @param capability                free text, may be null
 * @param contactEmail              may be null
 * @param hostPublicIp              may be null
 * @param hostName                  host (autosleep reads {@code http://<host>:9090/power}), may be null
 * @param lastSeenIp                the address of the last contact, may be null
 * @param healthUrl                 the orchestrator's {@code /health} URL, null = not polled
 * @param healthTimeout             poll timeout in seconds (0.1–60), null = the default setting
 * @param monitoredServices         services its {@code /health} must list (empty = any)
 * @param minServiceUptime          percent 0–100, null = the default setting
 * @param denylisted                refused for payments
 * @param denylistReason            why, may be null
 * @param eligibleForPayments       the backend's {@code is_top_100} gate (admin registrations: true)
 * @param registrationCount         how often it was registered
 * @param firstSeen                 first registration
 * @param lastSeen                  last contact (registration, health poll, snapshot, session), may be null
 * @param lastContactSource         {@code register}, {@code health_url}, {@code forwarder}, ... may be null
 * @param consecutiveMisses         health cycles in a row with every service down
 * @param cooldownExpiresAt         end of the current cooldown, may be null
 * @param lastMissedAllServices     last cycle with every service down, may be null
 * @param lastCooldownStartedAt     may be null
 * @param lastCooldownClearedAt     may be null
 * @param lastHealthyAt             last cycle with a service up, may be null
 * @param forwarderHealth           the latest forwarder snapshot, may be null
 * @param lastHealth                the latest health observation (poll or snapshot), may be null
 * @param lastSessionUpstreamAddr   session billing: the last upstream address, may be null
 * @param lastSessionSeenAt         session billing: last session event, may be null
 * @param lastSessionEdgeId         session billing: last edge id, may be null
 * @param metadata                  free JSON text, may be null
 * @param createdAt                 row creation
 * @param updatedAt                 last change
 */
public record Orchestrator(
        String orchestratorId,
        String address,
        String capability,
        String contactEmail,
        String hostPublicIp,
        String hostName,
        String lastSeenIp,
        String healthUrl,
        BigDecimal healthTimeout,
        List<String> monitoredServices,
        BigDecimal minServiceUptime,
        boolean denylisted,
        String denylistReason,
        boolean eligibleForPayments,
        int registrationCount,
        Instant firstSeen,
        Instant lastSeen,
        String lastContactSource,
        int consecutiveMisses,
        Instant cooldownExpiresAt,
        Instant lastMissedAllServices,
        Instant lastCooldownStartedAt,
        Instant lastCooldownClearedAt,
        Instant lastHealthyAt,
        ForwarderHealth forwarderHealth,
        LastHealth lastHealth,
        String lastSessionUpstreamAddr,
        Instant lastSessionSeenAt,
        String lastSessionEdgeId,
        String metadata,
        Instant createdAt,
        Instant updatedAt) {

    /** Whether a cooldown is running at {@code now} (an expired one counts as cleared, as the backend's lazy clear). */
    public boolean cooldownActive(Instant now) {
        return cooldownExpiresAt != null && cooldownExpiresAt.isAfter(now);
    }

    /**
     * The backend's {@code Registry.is_eligible}: not denylisted, no cooldown running, and eligible for payments.
     * Crediting (sessions, workloads, power) is gated on this.
     */
    public boolean eligible(Instant now) {
        return !denylisted && !cooldownActive(now) && eligibleForPayments;
    }

    /** The ledger account of this orchestrator's earnings (wei). */
    public String account() {
        return "orchestrator:" + orchestratorId;
    }

    /**
     * A forwarder health snapshot ({@code POST /api/orchestrators/{id}/health}).
     *
     * @param source     who sent it (at most 64 characters), e.g. {@code forwarder}
     * @param reportedAt when it was stored (our clock)
     * @param data       the JSON object sent (the orchestrator's {@code /health} payload)
     */
    public record ForwarderHealth(String source, Instant reportedAt, String data) {
        /** Fresh while {@code 0 <= now - reportedAt <= ttl} (the backend's rule). */
        public boolean fresh(Instant now, Duration ttl) {
            Duration age = Duration.between(reportedAt, now);
            return !age.isNegative() && age.compareTo(ttl) <= 0;
        }
    }

    /**
     * The latest health observation.
     *
     * @param at      when
     * @param source  {@code health_url} or the snapshot's source
     * @param up      at least one service up
     * @param summary the {@code summary} object as JSON text (or an error object), may be null
     */
    public record LastHealth(Instant at, String source, boolean up, String summary) {}
}
