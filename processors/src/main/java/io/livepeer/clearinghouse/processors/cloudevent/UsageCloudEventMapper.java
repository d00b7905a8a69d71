package io.livepeer.clearinghouse.processors.cloudevent;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
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
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

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

    private final URI source;
    /** {@link #source} as the SDK wrote it ({@link URI#toString()}). */
    private final String sourceText;

    /** @param source CloudEvent source, e.g. {@value #DEFAULT_SOURCE} */
    public UsageCloudEventMapper(String source) {
        this.source = URI.create(source);
        this.sourceText = this.source.toString();
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

        byte[] json = write(
                eventId,
                time,
                envelope,
                ticket,
                identity,
                price,
                pipeline,
                modelId,
                manifestId,
                network,
                billable,
                percent,
                billedFrom,
                oracle,
                signer,
                audit);
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

    /**
     * The CloudEvent in structured JSON mode, written once with a streaming generator of the shared mapper (plain
     * {@code BigDecimal}s): attributes in the order of the CloudEvents SDK's Jackson serializer ({@code specversion,
     * id, source, type, datacontenttype, subject, time}, time as {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} in
     * UTC), then {@code data} with its fields in a fixed order. The output is byte for byte what building a
     * {@code CloudEvent} with the SDK and serialising it with {@code JsonFormat}'s module gave before
     * (UsageCloudEventBytesTest), without the data tree, the SDK event and its serializer lookups (about a quarter of
     * the metering thread's CPU in the JFR profile, docs/benchmarks.md).
     */
    private byte[] write(
            String eventId,
            Instant time,
            SignerEnvelope envelope,
            SignedTicket ticket,
            Identity identity,
            PriceQuote price,
            String pipeline,
            String modelId,
            String manifestId,
            BigDecimal network,
            BigDecimal billable,
            BigDecimal percent,
            UsdSource billedFrom,
            BigDecimal oracle,
            BigDecimal signer,
            PriceAudit audit) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(1024);
                JsonGenerator g = Json.mapper().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("specversion", "1.0");
            g.writeStringField("id", eventId);
            g.writeStringField("source", sourceText);
            g.writeStringField("type", SignerEnvelope.CREATE_SIGNED_TICKET);
            g.writeStringField("datacontenttype", "application/json");
            if (identity.subject() != null) {
                g.writeStringField("subject", identity.subject());
            }
            g.writeStringField("time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time.atOffset(ZoneOffset.UTC)));
            g.writeFieldName("data");
            g.writeStartObject();
            text(g, "client_id", identity.clientId());
            text(g, "usage_subject", identity.usageSubject());
            text(g, "usage_subject_type", identity.usageSubjectType());
            text(g, "external_user_id", identity.usageSubject());
            text(g, "auth_id", identity.authId());
            text(g, "openmeter_customer_key", identity.subject());
            number(g, "network_fee_usd_micros", network);
            number(g, "billable_usd_micros", billable);
            number(g, "fee_wei", ticket.computedFeeWei());
            number(g, "eth_usd_price", price.usdPerEth());
            text(g, "price_source", price.source());
            number(g, "markup_percent", percent);
            text(g, "pipeline", pipeline);
            text(g, "model_id", modelId);
            text(g, "manifest_id", manifestId);
            number(g, "billable_secs", ticket.billableSecs());
            number(g, "pixels", ticket.pixels());
            text(g, "gateway_request_id", ticket.requestId());
            textIfPresent(g, "session_id", ticket.sessionId());
            textIfPresent(g, "orch_address", ticket.orchAddress());
            textIfPresent(g, "app", ticket.app());
            textIfPresent(g, "gateway", envelope.gateway());
            text(g, "usd_source", billedFrom.label());
            number(g, "oracle_fee_usd_micros", oracle);
            if (ticket.computedFeeUsd() != null) {
                number(g, "computed_fee_usd", ticket.computedFeeUsd());
                number(g, "signer_fee_usd_micros", signer);
                g.writeBooleanField("price_audit_flagged", audit.flagged());
            }
            textIfPresent(g, "payer_address", ticket.payerAddress());
            if (ticket.sessionId() != null && envelope.data().hasNonNull("sequence_number")) {
                // the ticket's place in its payment session: lets reconciliation tell a copy of this ticket under
                // another id (double-counted) from foreign usage (extra)
                number(g, "sequence_number", ticket.sequenceNumber());
            }
            g.writeEndObject();
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("CloudEvent could not be serialized", e);
        }
    }

    /** A string field; null is written as JSON null (what a data tree's {@code put} of a null kept). */
    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }

    /** A number field in plain notation (the mapper's {@code WRITE_BIGDECIMAL_AS_PLAIN}); null as JSON null. */
    private static void number(JsonGenerator g, String field, BigDecimal value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeFieldName(field);
            g.writeNumber(value);
        }
    }

    /** A whole number field; null as JSON null. */
    private static void number(JsonGenerator g, String field, BigInteger value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeFieldName(field);
            g.writeNumber(value);
        }
    }

    private static void textIfPresent(JsonGenerator g, String field, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            g.writeStringField(field, value);
        }
    }

    private static String firstNonEmpty(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return UNKNOWN;
    }
}
