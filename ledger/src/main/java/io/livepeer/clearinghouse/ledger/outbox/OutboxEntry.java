package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;

/**
 * A metered usage event to be delivered to OpenMeter.
 *
 * @param eventId        CloudEvent id, unique: a second entry with the same id is a no-op
 * @param subject        CloudEvent subject = customer key
 * @param pipeline       pipeline ({@code unknown} when empty)
 * @param modelId        model id ({@code unknown} when absent)
 * @param eventTime      usage time
 * @param feeWei         fee in wei
 * @param networkMicros  network fee, USD micros
 * @param billableMicros billable amount, USD micros
 * @param ethUsdPrice    ETH/USD price used
 * @param cloudEvent     the structured CloudEvent JSON
 * @param orchAddress    orchestrator address (statistics), may be null
 * @param source         Kafka record it came from, may be null
 * @param payerAddress   the signer's {@code payer_address} (go-livepeer v0.9.3), may be null
 * @param usdAudit       which USD value billed and the price audit; {@link UsdAudit#NONE} for an entry written
 *                       without one (then every audit column is NULL)
 */
public record OutboxEntry(
        String eventId,
        String subject,
        String pipeline,
        String modelId,
        Instant eventTime,
        BigInteger feeWei,
        BigDecimal networkMicros,
        BigDecimal billableMicros,
        BigDecimal ethUsdPrice,
        String cloudEvent,
        String orchAddress,
        KafkaCoordinates source,
        String payerAddress,
        UsdAudit usdAudit) {

    public OutboxEntry {
        if (usdAudit == null) {
            usdAudit = UsdAudit.NONE;
        }
    }

    /** An entry without payer and price audit (the shape before go-livepeer v0.9.3). */
    public OutboxEntry(
            String eventId,
            String subject,
            String pipeline,
            String modelId,
            Instant eventTime,
            BigInteger feeWei,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            BigDecimal ethUsdPrice,
            String cloudEvent,
            String orchAddress,
            KafkaCoordinates source) {
        this(
                eventId,
                subject,
                pipeline,
                modelId,
                eventTime,
                feeWei,
                networkMicros,
                billableMicros,
                ethUsdPrice,
                cloudEvent,
                orchAddress,
                source,
                null,
                UsdAudit.NONE);
    }

    /**
     * The two USD values of an event and their audit (columns of migration V6); amounts in USD micros.
     *
     * @param usdSource        {@code oracle} or {@code signer}: which value {@code networkMicros} is; null = unknown
     * @param oracleMicros     our conversion of the wei fee, may be null
     * @param signerMicros     the signer's {@code computed_fee_usd} in micros, null when it sent none
     * @param divergenceMicros signer − oracle, exact, null without a signer value
     * @param flagged          whether the divergence exceeds the tolerance; null without a signer value
     */
    public record UsdAudit(
            String usdSource,
            BigDecimal oracleMicros,
            BigDecimal signerMicros,
            BigDecimal divergenceMicros,
            Boolean flagged) {

        /** Nothing recorded. */
        public static final UsdAudit NONE = new UsdAudit(null, null, null, null, null);
    }
}
