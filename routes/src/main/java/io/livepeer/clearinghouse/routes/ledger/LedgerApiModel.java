package io.livepeer.clearinghouse.routes.ledger;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Request and response bodies of the ledger API ({@link LedgerApiRoutes}, reference: {@code docs/ledger.md}),
 * snake_case JSON. Amounts are decimal strings in the account's unit ({@code USD_MICROS} or {@code WEI}); times are
 * RFC 3339 UTC. Requests are checked with Bean Validation; the constraints show in the OpenAPI document.
 */
public final class LedgerApiModel {

    private LedgerApiModel() {}

    /**
     * {@code POST /api/ledger/grants}.
     *
     * @param customer        customer key (the metering subject)
     * @param amountUsdMicros credit to grant, USD micros, positive, at most 12 decimals
     * @param transferId      idempotency key (or the {@code Idempotency-Key} header)
     * @param reason          why (trial, top-up, ...)
     * @param metadata        free JSON kept on the transfer
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record GrantRequest(
            @NotBlank @Size(max = 512) String customer,

            @NotNull
            @DecimalMin(value = "0", inclusive = false, message = "must be greater than 0")
            @Digits(integer = 26, fraction = 12, message = "must have at most 26 digits before and 12 after the point")
            BigDecimal amountUsdMicros,

            @Size(min = 1, max = 200) String transferId,
            @Size(max = 500) String reason,
            Map<String, Object> metadata) {}

    /**
     * {@code POST /api/ledger/adjustments}.
     *
     * @param account    {@code customer:<key>} or {@code orchestrator:<id>}
     * @param amount     signed amount in the account's unit: positive credits the account, negative debits it
     * @param reason     why (required)
     * @param transferId idempotency key (or the {@code Idempotency-Key} header)
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record AdjustmentRequest(
            @NotBlank @Size(max = 600) String account,

            @NotNull
            @Digits(integer = 78, fraction = 12, message = "must have at most 78 digits before and 12 after the point")
            BigDecimal amount,

            @NotBlank @Size(max = 500) String reason,
            @Size(min = 1, max = 200) String transferId) {}

    /**
     * {@code POST /api/ledger/transfers/{id}/reverse}.
     *
     * @param reason why (required)
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record ReverseRequest(@NotBlank @Size(max = 500) String reason) {}

    /**
     * A posted transfer, and for grants and adjustments the account it moved money into or out of.
     *
     * @param account absent for a reversal
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Posted(
            TransferView transfer,
            @JsonInclude(JsonInclude.Include.NON_NULL) AccountView account) {}

    /**
     * An account.
     *
     * @param kind                       customer, orchestrator or system
     * @param unit                       USD_MICROS or WEI
     * @param balance                    credits minus debits
     * @param debitsMustNotExceedCredits whether the ledger refuses to overdraw it
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record AccountView(
            String key,
            String kind,
            String unit,
            String balance,
            String debitsPosted,
            String creditsPosted,
            boolean debitsMustNotExceedCredits,
            Instant createdAt) {}

    /** {@code GET /api/ledger/accounts}: a page, by key. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record AccountPage(List<AccountView> accounts, String nextCursor) {}

    /**
     * A transfer (immutable; corrections are reversing transfers).
     *
     * @param kind          grant, usage, adjustment, reversal, ...
     * @param reversesId    the transfer this one reverses, or null
     * @param sourceEventId the metered event of a usage transfer, or null
     * @param metadata      free JSON, or null
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TransferView(
            String id,
            long seq,
            String kind,
            String debitAccount,
            String creditAccount,
            String amount,
            String unit,
            String reversesId,
            String sourceEventId,
            Instant createdAt,
            Object metadata) {}

    /** {@code GET /api/ledger/transfers}: a page, newest first. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record TransferPage(List<TransferView> transfers, String nextCursor) {}

    /**
     * {@code GET /api/ledger/reconciliation}: whether the books balance (see {@code docs/ledger.md}).
     *
     * @param totals debits and credits of all accounts per unit ({@code USD_MICROS}, {@code WEI})
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record ReconciliationReport(
            boolean ok,
            Instant at,
            long accounts,
            List<BalanceMismatch> balanceMismatches,
            Map<String, UnitTotals> totals,
            long outboxEvents,
            long usageTransfers,
            long eventsWithoutUsage,
            List<String> eventsWithoutUsageSample,
            long usageWithoutEvent,
            List<String> usageWithoutEventSample,
            long usageNotMatching,
            List<String> usageNotMatchingSample) {}

    /** An account whose posted debits or credits differ from the sum of its transfers. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record BalanceMismatch(
            String account,
            String unit,
            String debitsPosted,
            String debitsFromTransfers,
            String creditsPosted,
            String creditsFromTransfers) {}

    /** Debits and credits in one unit, equal when the books balance. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record UnitTotals(String debits, String credits, boolean balanced) {}

    /**
     * {@code GET /api/customers/{key}/usage}: per UTC day, oldest first.
     *
     * @param balanceUsdMicros the customer's current balance
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record CustomerUsage(String customer, String balanceUsdMicros, List<UsageDay> days, UsageTotals totals) {}

    /**
     * One day of a customer's usage.
     *
     * @param networkUsdMicros  metered network cost, by usage time
     * @param billableUsdMicros billed, by usage time
     * @param grantedUsdMicros  credit granted, by posting time
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record UsageDay(
            LocalDate date, long events, String networkUsdMicros, String billableUsdMicros, String grantedUsdMicros) {}

    /** The days summed. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record UsageTotals(
            long events, String networkUsdMicros, String billableUsdMicros, String grantedUsdMicros) {}
}
