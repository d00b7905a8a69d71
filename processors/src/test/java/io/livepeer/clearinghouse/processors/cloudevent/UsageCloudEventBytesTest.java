package io.livepeer.clearinghouse.processors.cloudevent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.livepeer.clearinghouse.processors.event.SignedTicket;
import io.livepeer.clearinghouse.processors.event.SignerEnvelope;
import io.livepeer.clearinghouse.processors.event.SignerEventParser;
import io.livepeer.clearinghouse.processors.identity.Identity;
import io.livepeer.clearinghouse.processors.identity.IdentityResolver;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import io.livepeer.clearinghouse.processors.markup.MarkupRules;
import io.livepeer.clearinghouse.processors.money.FeeConverter;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.livepeer.clearinghouse.processors.money.UsdPolicy;
import io.livepeer.clearinghouse.processors.money.UsdSource;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming CloudEvent writer of {@link UsageCloudEventMapper} gives byte for byte what the CloudEvents SDK gave
 * before it (a data tree, {@code CloudEventBuilder}, {@code JsonFormat}'s Jackson module): the reference below is that
 * former code, kept here as the oracle. OpenMeter receives these bytes and the outbox stores them, so not even the
 * order of fields or the notation of a number may change.
 */
class UsageCloudEventBytesTest {

    private static final ObjectMapper SDK_WRITER =
            Json.mapper().copy().registerModule(JsonFormat.getCloudEventJacksonModule());

    private static final Instant NOW = Instant.parse("2026-08-20T12:00:00Z");

    private static final MarkupRules MARKUP = new MarkupRules(List.of(
            new MarkupRule("*", "*", BigDecimal.ZERO),
            new MarkupRule("live-video-to-video", "*", new BigDecimal("15")),
            new MarkupRule("live", "daydream-video", new BigDecimal("12.345678901234")),
            new MarkupRule("base", "model-x", new BigDecimal("0.5"))));

    private static final String[] TEXTS = {
        "demo",
        "",
        "   ",
        "ünïcödé-客户-😀",
        "quote\"back\\slash/solidus",
        "ctrl\u0001\u001f\ttab\nnewline",
        "line\u2028separator\u2029",
        "<script>&amp;</script>",
        "a:b:c",
        "x".repeat(300)
    };

    @Test
    void the_streaming_writer_gives_the_sdk_bytes_for_hand_picked_events() throws Exception {
        List<String> events = List.of(
                // the collector's reference case, every v0.9.3 field
                """
                {"id":"0b9c7d4e-1111-4a53-9a53-2f0e3b7d9c11","type":"create_signed_ticket","timestamp":"1787220000123",
                 "gateway":"gw.example","data":{"auth_id":"demo-client:demo-user","computed_fee":"1000000000000000",
                 "request_id":"req-m2m-1","pipeline":"live","model_id":"daydream-video","pixels":"1000",
                 "billable_secs":1.5,"manifest_id":"mid-1","current_time":"2026-07-24T12:00:00.123456789Z",
                 "orch_address":"0xabc","session_id":"a1b2c3d4","sequence_number":7,"app":"app-1",
                 "computed_fee_usd":"0.000000000000000001",
                 "payer_address":"0x00000000000000000000000000000000000000ff"}}""",
                // nothing optional: no id, no time, empty gateway, fee 1 wei, owner identity
                """
                {"type":"create_signed_ticket","data":{"auth_id":"acme:owner:boss","computed_fee":1}}""",
                // a fee above 2^53 and 10^30, huge pixels, client_id + usage_subject identity, base:model pipeline
                """
                {"id":"big","type":"create_signed_ticket","data":{"client_id":"c","usage_subject":"u",
                 "usage_subject_type":"team","computed_fee":"123456789012345678901234567890123",
                 "pixels":"98765432109876543210","billable_secs":"0.000000123","pipeline":"base:model-x",
                 "computed_fee_usd":null,"sequence_number":"18446744073709551615","session_id":"s"}}""",
                // zero fee, signer USD present and diverging, sequence without a session
                """
                {"id":"zero","type":"create_signed_ticket","timestamp":1787220000000,"data":{"auth_id":"z",
                 "computed_fee":"0","computed_fee_usd":"12.5","sequence_number":3,"pipeline":"live-video-to-video",
                 "current_time":"2026-07-24T12:00:00+02:00"}}""");
        for (String event : events) {
            assertSameBytes(event, new BigDecimal("3000"), new UsdPolicy(UsdSource.ORACLE, BigDecimal.ZERO));
            assertSameBytes(
                    event, new BigDecimal("2718.281828459045"), new UsdPolicy(UsdSource.SIGNER, BigDecimal.ONE));
        }
    }

    @Test
    void the_streaming_writer_gives_the_sdk_bytes_for_a_thousand_random_events() throws Exception {
        Random random = new Random(20261129);
        for (int i = 0; i < 1000; i++) {
            ObjectNode data = Json.mapper().createObjectNode();
            switch (random.nextInt(3)) {
                case 0 -> data.put("auth_id", pick(random) + ":" + pick(random));
                case 1 -> data.put("auth_id", "owner-of:owner:" + pick(random) + "x");
                default -> {
                    data.put("client_id", pick(random) + "c");
                    data.put("usage_subject", pick(random) + "u");
                    maybe(random, data, "usage_subject_type", pick(random));
                }
            }
            data.put(
                    "computed_fee",
                    new BigDecimal(Long.toString(random.nextLong() & Long.MAX_VALUE))
                            .multiply(BigDecimal.TEN.pow(random.nextInt(20)))
                            .toBigInteger()
                            .toString());
            maybe(random, data, "request_id", Integer.toHexString(random.nextInt()));
            maybe(random, data, "pipeline", random.nextBoolean() ? "live-video-to-video" : "base:" + pick(random));
            maybe(random, data, "model_id", pick(random));
            maybe(random, data, "manifest_id", pick(random));
            maybe(random, data, "session_id", pick(random));
            maybe(random, data, "orch_address", pick(random));
            maybe(random, data, "app", pick(random));
            maybe(random, data, "payer_address", random.nextBoolean() ? "" : "0x" + "ab".repeat(20));
            if (random.nextBoolean()) {
                data.put("sequence_number", random.nextInt(1_000_000));
            }
            if (random.nextBoolean()) {
                data.put("pixels", random.nextLong() & Long.MAX_VALUE);
            }
            if (random.nextBoolean()) {
                data.put("billable_secs", new BigDecimal(random.nextInt(100_000)).movePointLeft(random.nextInt(12)));
            }
            switch (random.nextInt(3)) {
                case 0 ->
                    data.put(
                            "computed_fee_usd",
                            new BigDecimal(random.nextInt(1_000_000))
                                    .movePointLeft(random.nextInt(19))
                                    .toPlainString());
                case 1 -> data.putNull("computed_fee_usd");
                default -> {}
            }
            if (random.nextBoolean()) {
                data.put(
                        "current_time",
                        NOW.minusNanos(random.nextLong(86_400_000_000_000L)).toString());
            }
            ObjectNode envelope = Json.mapper().createObjectNode();
            if (random.nextBoolean()) {
                envelope.put("id", "id-" + i + pick(random));
            }
            envelope.put("type", "create_signed_ticket");
            if (random.nextBoolean()) {
                envelope.put("timestamp", Long.toString(NOW.toEpochMilli() - random.nextInt(1_000_000)));
            }
            maybe(random, envelope, "gateway", pick(random));
            envelope.set("data", data);
            String json = Json.mapper().writeValueAsString(envelope);
            BigDecimal usdPerEth = new BigDecimal(random.nextInt(10_000_000) + 1).movePointLeft(random.nextInt(10));
            UsdPolicy usd = new UsdPolicy(
                    random.nextBoolean() ? UsdSource.ORACLE : UsdSource.SIGNER,
                    new BigDecimal(random.nextInt(100)).movePointLeft(2));
            assertSameBytes(json, usdPerEth, usd);
        }
    }

    private static String pick(Random random) {
        return TEXTS[random.nextInt(TEXTS.length)];
    }

    private static void maybe(Random random, ObjectNode node, String field, String value) {
        if (random.nextBoolean()) {
            node.put(field, value);
        }
    }

    private static void assertSameBytes(String json, BigDecimal usdPerEth, UsdPolicy usd) throws Exception {
        SignerEnvelope envelope = SignerEventParser.parseEnvelope(json.getBytes(StandardCharsets.UTF_8));
        SignedTicket ticket = SignerEventParser.parseTicket(envelope);
        Identity identity = IdentityResolver.resolve(
                        ticket.authId(), ticket.clientId(), ticket.usageSubject(), ticket.usageSubjectType())
                .orElse(null);
        if (identity == null) {
            return; // not billable: no CloudEvent is written for it
        }
        PriceQuote price = new PriceQuote(usdPerEth, NOW, "static");
        String eventId = envelope.id() != null ? envelope.id() : "derived-id";
        Instant time = ticket.currentTime() != null
                ? ticket.currentTime()
                : envelope.timestamp() != null ? envelope.timestamp() : NOW;
        for (String source : List.of(UsageCloudEventMapper.DEFAULT_SOURCE, "urn:clearinghouse:eu-1")) {
            MeteredUsage usage = new UsageCloudEventMapper(source)
                    .map(eventId, time, envelope, ticket, identity, price, MARKUP, usd);
            byte[] expected = sdkBytes(source, eventId, time, envelope, ticket, identity, price, usd);
            assertThat(new String(usage.cloudEventJson(), StandardCharsets.UTF_8))
                    .as("CloudEvent of %s", json)
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(usage.cloudEventJson()).isEqualTo(expected);
        }
    }

    /** The CloudEvent exactly as {@code UsageCloudEventMapper.map} built and serialised it before the writer. */
    private static byte[] sdkBytes(
            String source,
            String eventId,
            Instant time,
            SignerEnvelope envelope,
            SignedTicket ticket,
            Identity identity,
            PriceQuote price,
            UsdPolicy usd)
            throws Exception {
        PipelineModel labels = PipelineModel.of(ticket.pipeline(), ticket.modelId());
        String pipeline = labels.pipeline();
        String modelId = labels.modelId();
        String manifestId = firstNonEmpty(ticket.manifestId(), ticket.sessionId(), ticket.requestId());
        BigDecimal oracle = FeeConverter.weiToUsdMicros(ticket.computedFeeWei(), price.usdPerEth());
        BigDecimal signer = ticket.computedFeeUsd() == null ? null : FeeConverter.usdToMicros(ticket.computedFeeUsd());
        PriceAudit audit = PriceAudit.of(oracle, signer, usd.tolerance());
        UsdSource billedFrom = usd.source() == UsdSource.SIGNER && signer != null ? UsdSource.SIGNER : UsdSource.ORACLE;
        BigDecimal network = billedFrom == UsdSource.SIGNER ? signer : oracle;
        BigDecimal percent = MARKUP.percentFor(pipeline, modelId);
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
            data.put("sequence_number", ticket.sequenceNumber());
        }
        CloudEvent event = CloudEventBuilder.v1()
                .withId(eventId)
                .withSource(URI.create(source))
                .withType(SignerEnvelope.CREATE_SIGNED_TICKET)
                .withSubject(identity.subject())
                .withTime(time.atOffset(ZoneOffset.UTC))
                .withDataContentType("application/json")
                .withData(JsonCloudEventData.wrap(data))
                .build();
        return SDK_WRITER.writeValueAsBytes(event);
    }

    private static String firstNonEmpty(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return UsageCloudEventMapper.UNKNOWN;
    }

    private static void putIfPresent(ObjectNode data, String field, String value) {
        if (value != null && !value.isEmpty()) {
            data.put(field, value);
        }
    }
}
