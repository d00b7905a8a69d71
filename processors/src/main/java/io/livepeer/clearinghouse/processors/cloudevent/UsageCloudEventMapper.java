package io.livepeer.clearinghouse.processors.cloudevent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.livepeer.clearinghouse.processors.event.SignedTicket;
import io.livepeer.clearinghouse.processors.event.SignerEnvelope;
import io.livepeer.clearinghouse.processors.identity.Identity;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.markup.MarkupRules;
import io.livepeer.clearinghouse.processors.money.FeeConverter;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.livepeer.clearinghouse.processors.money.UsdPolicy;
import io.livepeer.clearinghouse.processors.money.UsdSource;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Maps a signed ticket to its usage CloudEvent (structured JSON, specversion 1.0; DESIGN.md §5).
 *
 * <p>{@code type} is {@code create_signed_ticket}, {@code subject} is the customer key, and {@code data} keeps the
 * field names existing OpenMeter catalogs meter on: {@code client_id, usage_subject, usage_subject_type,
 * external_user_id, auth_id, openmeter_customer_key, network_fee_usd_micros, billable_usd_micros, fee_wei,
 * eth_usd_price, pipeline, model_id, manifest_id, billable_secs, pixels, gateway_request_id}, plus
 * {@code orch_address, app, session_id, price_source, markup_percent}, and from go-livepeer v0.9.3 on
 * {@code usd_source, oracle_fee_usd_micros} (always) and {@code computed_fee_usd, signer_fee_usd_micros,
 * price_audit_flagged, payer_address} (when the signer sent them), and {@code sequence_number} (when sent with a
 * {@code session_id}). Amounts are JSON numbers in plain notation. The
 * contract is documented in {@code docs/signer-contract.md}. Thread-safe.
 */
public final class UsageCloudEventMapper {

    /** Default CloudEvent source, the one the reference collector used (OpenMeter dedupes on source + id). */
    public static final String DEFAULT_SOURCE = "go-livepeer-remote-signer";
    /** Value used for an empty pipeline, an absent model id or manifest id. */
    public static final String UNKNOWN = "unknown";

    private static final ObjectMapper CLOUD_EVENT_WRITER =
            Json.mapper().copy().registerModule(JsonFormat.getCloudEventJacksonModule());

    private final URI source;

    /** @param source CloudEvent source, e.g. {@value #DEFAULT_SOURCE} */
    public UsageCloudEventMapper(String source) {
        this.source = URI.create(source);
    }

    /**
     * @param eventId  CloudEvent id (envelope id or derived)
     * @param time     usage time
     * @param envelope the envelope (for {@code gateway})
     * @param ticket   the ticket
     * @param identity who is billed
     * @param price    ETH/USD price to convert at
     * @param markup   markup rules
     * @param usd      which USD value bills, and the price audit's tolerance
     * @return the metered usage with its serialized CloudEvent
     */
    public MeteredUsage map(
            String eventId,
            Instant time,
            SignerEnvelope envelope,
            SignedTicket ticket,
            Identity identity,
            PriceQuote price,
            MarkupRules markup,
            UsdPolicy usd) {
        // before the markup rules are matched: "base:model" without model_id is the pipeline and its model
        PipelineModel labels = PipelineModel.of(ticket.pipeline(), ticket.modelId());
        String pipeline = labels.pipeline();
        String modelId = labels.modelId();
        String manifestId = firstNonEmpty(ticket.manifestId(), ticket.sessionId(), ticket.requestId());
        BigDecimal oracle = FeeConverter.weiToUsdMicros(ticket.computedFeeWei(), price.usdPerEth());
        BigDecimal signer = ticket.computedFeeUsd() == null ? null : FeeConverter.usdToMicros(ticket.computedFeeUsd());
        PriceAudit audit = PriceAudit.of(oracle, signer, usd.tolerance());
        UsdSource billedFrom = usd.source() == UsdSource.SIGNER && signer != null ? UsdSource.SIGNER : UsdSource.ORACLE;
        BigDecimal network = billedFrom == UsdSource.SIGNER ? signer : oracle;
        BigDecimal percent = markup.percentFor(pipeline, modelId);
        BigDecimal billable = MarkupRules.apply(network, percent);

        ObjectNode data = Json.mapper().createObjectNode();
        data.put("client_id", identity.clientId());
        data.put("usage_subject", identity.usageSubject());
        data.put("usage_subject_type", identity.usageSubjectType());
        data.put("external_user_id", identity.usageSubject());
        data.put("auth_id", identity.authId());
        data.put("openmeter_customer_key", identity.subject());
        data.put("network_fee_usd_micros", network);
        data.put("billable_usd_micros", billable);
        data.put("fee_wei", ticket.computedFeeWei());
        data.put("eth_usd_price", price.usdPerEth());
        data.put("price_source", price.source());
        data.put("markup_percent", percent);
        data.put("pipeline", pipeline);
        data.put("model_id", modelId);
        data.put("manifest_id", manifestId);
        data.put("billable_secs", ticket.billableSecs());
        data.put("pixels", ticket.pixels());
        data.put("gateway_request_id", ticket.requestId());
        putIfPresent(data, "session_id", ticket.sessionId());
        putIfPresent(data, "orch_address", ticket.orchAddress());
        putIfPresent(data, "app", ticket.app());
        putIfPresent(data, "gateway", envelope.gateway());
        data.put("usd_source", billedFrom.label());
        data.put("oracle_fee_usd_micros", oracle);
        if (ticket.computedFeeUsd() != null) {
            data.put("computed_fee_usd", ticket.computedFeeUsd());
            data.put("signer_fee_usd_micros", signer);
            data.put("price_audit_flagged", audit.flagged());
        }
        putIfPresent(data, "payer_address", ticket.payerAddress());
        if (ticket.sessionId() != null && envelope.data().hasNonNull("sequence_number")) {
            // the ticket's place in its payment session: lets reconciliation tell a copy of this ticket under another
            // id (double-counted) from foreign usage (extra)
            data.put("sequence_number", ticket.sequenceNumber());
        }

        CloudEvent event = CloudEventBuilder.v1()
                .withId(eventId)
                .withSource(source)
                .withType(SignerEnvelope.CREATE_SIGNED_TICKET)
                .withSubject(identity.subject())
                .withTime(time.atOffset(ZoneOffset.UTC))
                .withDataContentType("application/json")
                .withData(JsonCloudEventData.wrap(data))
                .build();
        byte[] json;
        try {
            json = CLOUD_EVENT_WRITER.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("CloudEvent could not be serialized", e);
        }
        return new MeteredUsage(
                eventId,
                identity,
                time,
                pipeline,
                modelId,
                manifestId,
                ticket.computedFeeWei(),
                network,
                billable,
                percent,
                price,
                ticket.orchAddress(),
                json,
                ticket.payerAddress(),
                billedFrom,
                audit);
    }

    private static String firstNonEmpty(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return UNKNOWN;
    }

    private static void putIfPresent(ObjectNode data, String field, String value) {
        if (value != null && !value.isEmpty()) {
            data.put(field, value);
        }
    }
}
