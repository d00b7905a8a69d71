package io.livepeer.clearinghouse.processors.cloudevent;

import io.livepeer.clearinghouse.processors.identity.Identity;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.livepeer.clearinghouse.processors.money.UsdSource;
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
 * @param pipeline       pipeline, {@code unknown} when empty; the part before the first colon of a
 *                       {@code "base:model"} pipeline sent without {@code model_id} ({@link PipelineModel})
 * @param modelId        model id, {@code unknown} when absent (or the part after that colon)
 * @param manifestId     first non-empty of manifest_id, session_id, request_id, else {@code unknown}
 * @param feeWei         ticket fee in wei
 * @param networkMicros  network fee in USD micros (12 fractional digits at most): the value of {@code usdSource}
 * @param billableMicros network fee with markup, USD micros
 * @param markupPercent  markup applied, percent
 * @param price          ETH/USD price used
 * @param orchAddress    orchestrator address, may be null
 * @param cloudEventJson the structured-mode CloudEvent, UTF-8 JSON
 * @param payerAddress   the signer's {@code payer_address} (v0.9.3), lower case, may be null
 * @param usdSource      which USD value {@code networkMicros} is: {@link UsdSource#SIGNER} only when the policy asks
 *                       for it and the signer sent {@code computed_fee_usd}
 * @param audit          our conversion beside the signer's, with their divergence
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
        byte[] cloudEventJson,
        String payerAddress,
        UsdSource usdSource,
        PriceAudit audit) {

    /** The customer key ({@code identity.subject()}). */
    public String subject() {
        return identity.subject();
    }

    /** Whether the signer's value was wanted ({@code usd-source = signer}) but absent, so the oracle's billed. */
    public boolean fellBackToOracle(UsdSource wanted) {
        return wanted == UsdSource.SIGNER && usdSource == UsdSource.ORACLE;
    }
}
