package io.livepeer.clearinghouse.routes.spend;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;

/**
 * Bodies of the spend control API ({@link SpendApiRoutes}, reference: {@code docs/api.md},
 * {@code docs/spend-control.md}), snake_case JSON; amounts are decimal strings of USD micros, times RFC 3339 UTC.
 */
public final class SpendApiModel {

    private SpendApiModel() {}

    /**
     * {@code POST /api/admin/pause} and {@code POST /api/admin/resume}.
     *
     * @param scope  {@code all}, {@code client} or {@code customer}
     * @param target the client id or customer key (absent for {@code all})
     * @param reason why (required to pause): the signer's gateway sees it in the 403
     * @param actor  who, for the audit trail (default {@code api})
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record PauseRequest(
            @NotBlank @Pattern(regexp = "all|client|customer", message = "must be all, client or customer")
            String scope,

            @Size(max = 512) String target,
            @Size(max = 1000) String reason,
            @Size(max = 255) String actor) {}

    /** An active or lifted pause. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record PauseView(
            long id,
            String scope,
            String target,
            String reason,
            String pausedBy,
            Instant pausedAt,
            Instant resumedAt,
            String resumedBy) {}

    /** {@code GET /api/admin/pauses}. */
    public record PauseList(List<PauseView> pauses) {}

    /**
     * {@code PUT /api/admin/spend/overdraft}.
     *
     * @param customerKey        the customer key
     * @param overdraftUsdMicros the limit (decimal string, &gt;= 0), or null to use the default again
     * @param reason             why, for the audit trail
     * @param actor              who (default {@code api})
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record OverdraftRequest(
            @NotBlank @Size(max = 512) String customerKey,

            @Pattern(regexp = "[0-9]{1,20}(\\.[0-9]{1,12})?", message = "must be a non-negative decimal string")
            String overdraftUsdMicros,

            @Size(max = 1000) String reason,
            @Size(max = 255) String actor) {}

    /**
     * {@code GET /api/spend/customer}: what {@code /authorize} works with.
     *
     * @param available          balance − held + overdraft
     * @param overdraftUsdMicros the limit that applies
     * @param ownOverdraft       whether it is the customer's own (else the default)
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record CustomerSpendView(
            String customerKey,
            String balanceUsdMicros,
            String heldUsdMicros,
            String overdraftUsdMicros,
            boolean ownOverdraft,
            String availableUsdMicros) {}

    /** One hold. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record HoldView(
            long id,
            String customerKey,
            String sessionId,
            Long sequenceNumber,
            String paymentType,
            String amountUsdMicros,
            String remainingUsdMicros,
            int windowSeconds,
            String status,
            Instant createdAt,
            Instant expiresAt,
            Instant closedAt,
            String closedBy) {}

    /** {@code GET /api/spend/holds}. */
    public record HoldList(List<HoldView> holds) {}

    /** One audited change. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record AuditView(
            long id,
            Instant at,
            String actor,
            String action,
            String scope,
            String target,
            String reason,
            String detail) {}

    /** {@code GET /api/admin/spend-audit}. */
    public record AuditList(List<AuditView> entries) {}
}
