package io.livepeer.clearinghouse.routes.orchestrators;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Request and response bodies of the orchestrators API ({@link OrchestratorsApiRoutes}, docs/orchestrators.md),
 * snake_case JSON with the livepeer-ops backend's field names ({@code payments/api.py} {@code RegistrationPayload},
 * {@code OrchestratorRecord}). Wei amounts are decimal strings; ETH amounts exact decimal strings (1 ETH = 10^18
 * wei); times RFC 3339 UTC.
 */
public final class OrchestratorsApiModel {

    private OrchestratorsApiModel() {}

    /**
     * {@code POST /api/orchestrators}: register (or register again with the same address).
     *
     * @param orchestratorId    1–128 characters of {@code A-Z a-z 0-9 . _ - : @} ({@code me} is reserved)
     * @param address           payout address, EIP-55 checked
     * @param healthTimeout     seconds, 0.1–60
     * @param monitoredServices at most 25
     * @param minServiceUptime  percent 0–100
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record RegisterRequest(
            @NotBlank @Size(max = 128) String orchestratorId,
            @NotBlank @Size(max = 64) String address,
            @Size(max = 255) String capability,
            @Size(max = 320) String contactEmail,
            @Size(max = 64) String hostPublicIp,
            @Size(max = 255) String hostName,
            @Size(max = 512) String healthUrl,
            @DecimalMin("0.1") @DecimalMax("60") BigDecimal healthTimeout,
            @Size(max = 25) List<@NotBlank @Size(max = 128) String> monitoredServices,
            @DecimalMin("0") @DecimalMax("100") BigDecimal minServiceUptime,
            Map<String, Object> metadata) {}

    /** {@code PATCH /api/orchestrators/{id}}: fields to change (absent ones stay); the address may not change. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record UpdateRequest(
            @Size(max = 64) String address,
            @Size(max = 255) String capability,
            @Size(max = 320) String contactEmail,
            @Size(max = 64) String hostPublicIp,
            @Size(max = 255) String hostName,
            @Size(max = 512) String healthUrl,
            @DecimalMin("0.1") @DecimalMax("60") BigDecimal healthTimeout,
            @Size(max = 25) List<@NotBlank @Size(max = 128) String> monitoredServices,
            @DecimalMin("0") @DecimalMax("100") BigDecimal minServiceUptime,
            Map<String, Object> metadata) {}

    /** {@code POST /api/orchestrators/{id}/denylist}. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record DenylistRequest(
            @NotNull Boolean denylisted, @Size(max = 500) String reason) {}

    /**
     * {@code POST /api/orchestrators/{id}/health}: a forwarder snapshot (the backend's body).
     *
     * @param source who sends it, default {@code forwarder}
     * @param data   the orchestrator's {@code /health} payload ({@code summary.services_up} ...; {@code ip} optional)
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record HealthSnapshotRequest(
            @Size(min = 1, max = 64) String source, @NotNull Map<String, Object> data) {}

    /** The backend's snapshot answer. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Ok(boolean ok) {}

    /** {@code POST /api/orchestrators/{id}/tokens}. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TokenRequest(
            @Size(max = 255) String label, @Positive Long ttlSeconds) {}

    /** A new orchestrator token: {@code token} is shown only here. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TokenCreated(String tokenId, String orchestratorId, String token, Instant expiresAt) {}

    /** An orchestrator token's record (never its value). */
    @JsonNaming(SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenView(
            String tokenId,
            String orchestratorId,
            String label,
            Instant createdAt,
            Instant expiresAt,
            Instant revokedAt,
            Instant lastUsedAt) {}

    /** A list of tokens. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TokenList(List<TokenView> tokens) {}

    /** The forwarder snapshot part of a record. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record ForwarderHealthView(String source, Instant reportedAt, boolean fresh, JsonNode data) {}

    /** The last health observation. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record LastHealthView(Instant at, String source, boolean up, JsonNode summary) {}

    /** A health sample. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record SampleView(
            Instant at,
            String source,
            boolean reachable,
            Integer servicesUp,
            Integer totalServices,
            BigDecimal overallUptime,
            String error) {}

    /**
     * An orchestrator (the backend's {@code OrchestratorRecord} plus wei balances and health details).
     *
     * @param eligible        eligible for credit now (not denylisted, no cooldown, eligible_for_payments)
     * @param balanceWei      earnings owed, wei
     * @param balanceEth      the same in ETH
     * @param activeReason    {@code session}, {@code activity_lease}, {@code forwarder_health}, {@code recent_contact}
     *                        or null
     * @param activity        details from session billing / leases / autosleep when installed
     * @param healthSamples   newest samples (only on {@code GET /api/orchestrators/{id}})
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record OrchestratorView(
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
            boolean eligible,
            int registrationCount,
            Instant firstSeen,
            Instant lastSeen,
            String lastContactSource,
            int consecutiveMisses,
            Instant cooldownExpiresAt,
            boolean cooldownActive,
            Instant lastMissedAllServices,
            Instant lastCooldownStartedAt,
            Instant lastCooldownClearedAt,
            Instant lastHealthyAt,
            Long secondsSinceHealthy,
            ForwarderHealthView forwarderHealth,
            LastHealthView lastHealth,
            String balanceWei,
            String balanceEth,
            String creditUnit,
            boolean active,
            String activeReason,
            boolean inUse,
            int activeSessions,
            int activeActivityLeases,
            Map<String, Object> activity,
            JsonNode metadata,
            Instant createdAt,
            Instant updatedAt,
            List<SampleView> healthSamples) {}

    /** {@code GET /api/orchestrators}. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record OrchestratorList(List<OrchestratorView> orchestrators) {}

    /**
     * {@code GET /api/orchestrators/{id}/stats} and {@code /me/stats}: the backend's stats with ETH strings, plus
     * wei and credits per reason.
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record StatsView(
            String orchestratorId,
            String balanceEth,
            String balanceWei,
            String creditUnit,
            int days,
            String totalCreditsEth,
            String totalPayoutsEth,
            String totalSessionEth,
            String totalWorkloadEth,
            String totalAdjustmentsEth,
            String totalNetDeltaEth,
            String totalCreditsWei,
            String totalPayoutsWei,
            String totalNetDeltaWei,
            Map<String, String> creditsByReasonWei,
            List<Map<String, Object>> daily) {}
}
