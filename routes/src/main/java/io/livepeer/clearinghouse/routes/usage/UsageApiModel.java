package io.livepeer.clearinghouse.routes.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;

/**
 * Response bodies of the usage API ({@link UsageApiRoutes}, reference: {@code docs/api.md}), snake_case JSON.
 * Amounts are decimal strings (USD micros, wei) so that no client loses precision; times are RFC 3339 UTC.
 */
public final class UsageApiModel {

    private UsageApiModel() {}

    /**
     * {@code GET /api/usage/summary}.
     *
     * @param from    start of the usage-time range, inclusive
     * @param to      end, exclusive
     * @param subject the customer key asked for; absent when all
     * @param rows    one per subject and pipeline
     * @param totals  the rows summed
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Summary(
            Instant from,
            Instant to,
            @JsonInclude(JsonInclude.Include.NON_NULL) String subject,
            List<SummaryRow> rows,
            Totals totals) {}

    /** Usage of one subject in one pipeline, with how many of its events are in each delivery state. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record SummaryRow(
            String subject,
            String pipeline,
            long events,
            String networkUsdMicros,
            String billableUsdMicros,
            String feeWei,
            long pending,
            long delivered,
            long rejected) {}

    /** The summary's rows summed. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Totals(
            long events,
            String networkUsdMicros,
            String billableUsdMicros,
            String feeWei,
            long pending,
            long delivered,
            long rejected) {}

    /**
     * {@code GET /api/usage/events}: a page, newest first.
     *
     * @param nextCursor the cursor of the next page, null on the last page
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record EventPage(List<Event> events, String nextCursor) {}

    /**
     * A metered event and its delivery state.
     *
     * @param status     pending, delivered or rejected
     * @param attempts   delivery attempts so far
     * @param lastError  OpenMeter's problem detail for a rejected event, or the last retryable failure
     * @param cloudEvent the exact CloudEvent sent to OpenMeter (JSON); null once retention removed a delivered
     *                   event's payload
     * @param payerAddress        the signer's {@code payer_address} (go-livepeer v0.9.3), null when absent
     * @param usdSource           {@code oracle} or {@code signer}: which USD value {@code network_usd_micros} is;
     *                            null for events metered before the price audit existed
     * @param oracleUsdMicros     our conversion of the wei fee at {@code eth_usd_price}
     * @param signerUsdMicros     the signer's {@code computed_fee_usd} in USD micros, null when it sent none
     * @param usdDivergenceMicros signer − oracle, USD micros, exact; null without a signer value
     * @param usdDivergenceRatio  |signer − oracle| / oracle, 6 decimal places (half up); null without a signer value
     *                            or when ours is 0
     * @param priceAuditFlagged   whether the divergence exceeded the tolerance when metered; null without a signer
     *                            value
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Event(
            long seq,
            String eventId,
            String subject,
            String pipeline,
            String modelId,
            Instant eventTime,
            String feeWei,
            String networkUsdMicros,
            String billableUsdMicros,
            String ethUsdPrice,
            String status,
            Integer attempts,
            String lastError,
            Instant createdAt,
            Object cloudEvent,
            String payerAddress,
            String usdSource,
            String oracleUsdMicros,
            String signerUsdMicros,
            String usdDivergenceMicros,
            String usdDivergenceRatio,
            Boolean priceAuditFlagged) {}

    /** {@code GET /api/dead-letters}: a page, newest first. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record DeadLetterPage(List<DeadLetter> deadLetters, String nextCursor) {}

    /**
     * Input that could not be metered.
     *
     * @param raw            the record's bytes, as text when they are UTF-8, else base64
     * @param rawEncoding    {@code utf-8} or {@code base64}
     * @param firstPayload   a fork's (reason {@code fork: …}) first payload: the CloudEvent of the event billed first,
     *                       as JSON; null for every other letter
     * @param redriveOutcome the outcome of the letter's last {@code dead-letters redrive}: {@code metered},
     *                       {@code duplicate}, {@code skipped} (final) or {@code dead_lettered} (refused again); null
     *                       when never redriven
     * @param redriveReason  why the last redrive refused it again ({@code dead_lettered}), else null
     * @param redrivenAt     when the last redrive ran, or null
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record DeadLetter(
            long id,
            String topic,
            int partition,
            long offset,
            String key,
            String eventId,
            String reason,
            String raw,
            String rawEncoding,
            Instant createdAt,
            Object firstPayload,
            String redriveOutcome,
            String redriveReason,
            Instant redrivenAt) {}

    /**
     * {@code GET /api/usage/gaps}: open gaps in payment sessions' sequence numbers, newest first, and all open gaps
     * added up.
     *
     * @param gaps       this page
     * @param totals     every open gap (not only this page)
     * @param nextCursor the cursor of the next page, null on the last page
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record GapPage(List<Gap> gaps, GapTotals totals, String nextCursor) {}

    /**
     * A run of sequence numbers signed but never received.
     *
     * @param id                         the cursor position
     * @param signer                     payer address, else the signer's gateway ({@code ""} when unset)
     * @param subject                    customer key
     * @param sessionId                  {@code session_id}
     * @param fromSequence               first missing sequence number
     * @param toSequence                 last missing sequence number, inclusive
     * @param missingSequences           signing calls missing
     * @param firstSeen                  when the gap was first observable
     * @param estimatedUnbilledWei       estimate, wei (decimal string)
     * @param estimatedUnbilledUsdMicros estimate, USD micros (decimal string)
     * @param estimatedTickets           estimate of the tickets in the missing calls
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Gap(
            long id,
            String signer,
            String subject,
            String sessionId,
            long fromSequence,
            long toSequence,
            long missingSequences,
            Instant firstSeen,
            String estimatedUnbilledWei,
            String estimatedUnbilledUsdMicros,
            long estimatedTickets) {}

    /**
     * All open gaps.
     *
     * @param estimationRule how the estimates are made, in words
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record GapTotals(
            long openGaps,
            long missingSequences,
            long estimatedTickets,
            String estimatedUnbilledWei,
            String estimatedUnbilledUsdMicros,
            @JsonInclude(JsonInclude.Include.NON_NULL) Instant oldestFirstSeen,
            String estimationRule) {}
}
