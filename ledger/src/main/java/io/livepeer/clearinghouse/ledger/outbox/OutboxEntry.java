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
        KafkaCoordinates source) {}
