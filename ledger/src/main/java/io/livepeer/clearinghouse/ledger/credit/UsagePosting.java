package io.livepeer.clearinghouse.ledger.credit;

import java.math.BigDecimal;

/**
 * The ledger side of one metered signer event: {@code customer:<customerKey>} → usage revenue, for the billable
 * amount. Its transfer id is {@code usage:<eventId>}, so a redelivered event never posts twice.
 *
 * @param eventId        CloudEvent id
 * @param customerKey    customer key (the CloudEvent subject)
 * @param billableMicros billable USD micros
 * @param metadata       JSON text kept on the transfer (fee in wei, orchestrator address, network micros, ...)
 */
public record UsagePosting(String eventId, String customerKey, BigDecimal billableMicros, String metadata) {

    /** The transfer id of a usage event. */
    public static String transferId(String eventId) {
        return "usage:" + eventId;
    }
}
