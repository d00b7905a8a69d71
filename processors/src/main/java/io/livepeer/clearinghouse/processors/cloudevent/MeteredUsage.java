package io.livepeer.clearinghouse.processors.cloudevent;

import io.livepeer.clearinghouse.processors.identity.Identity;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;

/**
 * One metered signed ticket: what is written to the outbox and the ledger, and the CloudEvent sent to OpenMeter.
 *
 * @param eventId        CloudEvent id: the envelope UUID, or a stable name-based UUID when the envelope had none
 * @param identity       who is billed; {@code identity.subject()} is the customer key
 * @param time           usage time ({@code data.current_time}, else envelope timestamp, else receive time)
 * @param pipeline       pipeline, {@code unknown} when empty
 * @param modelId        model id, {@code unknown} when absent
 * @param manifestId     first non-empty of manifest_id, session_id, request_id, else {@code unknown}
 * @param feeWei         ticket fee in wei
 * @param networkMicros  network fee in USD micros (12 fractional digits at most)
 * @param billableMicros network fee with markup, USD micros
 * @param markupPercent  markup applied, percent
 * @param price          ETH/USD price used
 * @param orchAddress    orchestrator address, may be null
 * @param cloudEventJson the structured-mode CloudEvent, UTF-8 JSON
 */
public record MeteredUsage(
        String eventId,
        Identity identity,
        Instant time,
        String pipeline,
        String modelId,
        String manifestId,
        BigInteger feeWei,
        BigDecimal networkMicros,
        BigDecimal billableMicros,
        BigDecimal markupPercent,
        PriceQuote price,
        String orchAddress,
        byte[] cloudEventJson) {

    /** The customer key ({@code identity.subject()}). */
    public String subject() {
        return identity.subject();
    }
}
