package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage;
import io.livepeer.clearinghouse.processors.cloudevent.PipelineModel;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import io.livepeer.clearinghouse.processors.markup.MarkupRules;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.money.FeeConverter;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.livepeer.clearinghouse.processors.money.UsdPolicy;
import io.livepeer.clearinghouse.processors.money.UsdSource;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The go-livepeer v0.9.3 additions to {@code create_signed_ticket}: {@code computed_fee_usd} and {@code payer_address}
 * (accepted, refused, carried), the USD source and the price audit, and the {@code "base:model"} pipeline split.
 */
class SignerContractV093Test {

    static final Instant NOW = Instant.parse("2026-08-20T12:00:00Z");
    static final PriceQuote PRICE = new PriceQuote(new BigDecimal("3000"), NOW, "static");
    static final String PAYER = "0x5F3C8A9D1b2c3d4e5f60718293a4b5c6d7e8f901";

    static SignerEventMetering metering(UsdSource source, String tolerance) {
        return new SignerEventMetering(
                new UsageCloudEventMapper(UsageCloudEventMapper.DEFAULT_SOURCE),
                Catalog.defaultCatalog().markup(),
                MeteringLimits.defaults(),
                new UsdPolicy(source, new BigDecimal(tolerance)));
    }

    /** A 10^15 wei ticket (3000000 micros at $3000) with the given extra data fields (JSON members, may be empty). */
    static String ticket(String extra) {
        return "{\"id\":\"0b9c7d4e-2222-4a53-9a53-2f0e3b7d9c11\",\"type\":\"create_signed_ticket\","
                + "\"data\":{\"auth_id\":\"acme:alice\",\"computed_fee\":\"1000000000000000\",\"pipeline\":\"live\","
                + "\"current_time\":\"2026-08-20T11:59:00Z\"" + (extra.isEmpty() ? "" : "," + extra) + "}}";
    }

    static MeteringOutcome meter(SignerEventMetering metering, String json) {
        return metering.meter(json.getBytes(StandardCharsets.UTF_8), PRICE, NOW);
    }

    static MeteredUsage metered(SignerEventMetering metering, String json) {
        MeteringOutcome outcome = meter(metering, json);
        assertThat(outcome).isInstanceOf(MeteringOutcome.Metered.class);
        return ((MeteringOutcome.Metered) outcome).usage();
    }

    static JsonNode data(MeteredUsage usage) throws Exception {
        return Json.mapper().readTree(usage.cloudEventJson()).path("data");
    }

    @Test
    void a_v0_9_3_ticket_carries_the_signers_usd_and_payer_into_the_cloud_event() throws Exception {
        MeteredUsage usage = metered(
                metering(UsdSource.ORACLE, "0.02"),
                ticket("\"computed_fee_usd\":\"3.000000000000000001\",\"payer_address\":\"" + PAYER + "\""));

        assertThat(usage.payerAddress()).isEqualTo(PAYER.toLowerCase());
        assertThat(usage.usdSource()).isEqualTo(UsdSource.ORACLE);
        assertThat(usage.networkMicros()).isEqualByComparingTo("3000000");
        assertThat(usage.audit().signerMicros().toPlainString()).isEqualTo("3000000.000000000001");
        assertThat(usage.audit().divergenceMicros().toPlainString()).isEqualTo("0.000000000001");
        assertThat(usage.audit().flagged()).isFalse();
        JsonNode data = data(usage);
        assertThat(data.path("computed_fee_usd").decimalValue().toPlainString()).isEqualTo("3.000000000000000001");
        assertThat(data.path("signer_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000.000000000001");
        assertThat(data.path("oracle_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(data.path("usd_source").asText()).isEqualTo("oracle");
        assertThat(data.path("price_audit_flagged").asBoolean()).isFalse();
        assertThat(data.path("payer_address").asText()).isEqualTo(PAYER.toLowerCase());
        // the fields existing meters read are unchanged
        assertThat(data.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(data.path("billable_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
    }

    @ParameterizedTest(name = "extra fields [{0}]")
    @ValueSource(strings = {"", "\"computed_fee_usd\":null", "\"payer_address\":null", "\"payer_address\":\"\""})
    void null_or_absent_fields_mean_no_usd_rate_and_no_payer(String extra) throws Exception {
        MeteredUsage usage = metered(metering(UsdSource.SIGNER, "0.02"), ticket(extra));

        assertThat(usage.audit().audited()).isFalse();
        assertThat(usage.usdSource()).isEqualTo(UsdSource.ORACLE);
        assertThat(usage.fellBackToOracle(UsdSource.SIGNER)).isTrue();
        assertThat(usage.networkMicros()).isEqualByComparingTo("3000000");
        JsonNode data = data(usage);
        assertThat(data.has("computed_fee_usd")).isFalse();
        assertThat(data.has("price_audit_flagged")).isFalse();
        assertThat(data.has("payer_address")).isFalse();
        assertThat(data.path("usd_source").asText()).isEqualTo("oracle");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "\"1e0\"|computed_fee_usd is in exponent form: 1e0",
                "\"3E-6\"|computed_fee_usd is in exponent form",
                "\"-0.5\"|computed_fee_usd is negative: -0.5",
                "\"\"|computed_fee_usd is empty",
                "\" \"|computed_fee_usd is not a plain decimal",
                "\"0.1234567890123456789\"|computed_fee_usd has more than 18 decimal places",
                "\"1234567890123456789\"|computed_fee_usd is too large",
                "\".5\"|computed_fee_usd is not a plain decimal",
                "\"+1\"|computed_fee_usd is not a plain decimal",
                "\"0x10\"|computed_fee_usd is not a plain decimal",
                "\"NaN\"|computed_fee_usd is not a plain decimal",
                "0.003|computed_fee_usd must be a decimal string or null, not number",
                "{}|computed_fee_usd must be a decimal string or null, not object"
            })
    void a_malformed_computed_fee_usd_is_dead_lettered_with_a_clear_reason(String value, String reason) {
        MeteringOutcome outcome = meter(metering(UsdSource.ORACLE, "0.02"), ticket("\"computed_fee_usd\":" + value));

        assertThat(outcome).isInstanceOfSatisfying(MeteringOutcome.Rejected.class, r -> {
            assertThat(r.reason()).startsWith(reason);
            assertThat(r.eventId()).isEqualTo("0b9c7d4e-2222-4a53-9a53-2f0e3b7d9c11");
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"0", "0.0", "3", "3.000000000000000000", "999999999999999999.999999999999999999"})
    void plain_decimals_up_to_18_places_are_accepted_exactly(String value) {
        MeteredUsage usage =
                metered(metering(UsdSource.ORACLE, "0.02"), ticket("\"computed_fee_usd\":\"" + value + "\""));

        assertThat(usage.audit().signerMicros()).isEqualByComparingTo(new BigDecimal(value).movePointRight(6));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "5f3c8a9d1b2c3d4e5f60718293a4b5c6d7e8f901",
                "0x5f3c",
                "0x5f3c8a9d1b2c3d4e5f60718293a4b5c6d7e8f90g",
                "0x5f3c8a9d1b2c3d4e5f60718293a4b5c6d7e8f90100",
                "0X5F3C8A9D1B2C3D4E5F60718293A4B5C6D7E8F901"
            })
    void a_malformed_payer_address_is_dead_lettered_with_a_clear_reason(String value) {
        MeteringOutcome outcome =
                meter(metering(UsdSource.ORACLE, "0.02"), ticket("\"payer_address\":\"" + value + "\""));

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason())
                                .startsWith("payer_address is not a 0x-prefixed 20-byte hex address"));
    }

    @Test
    void with_usd_source_signer_the_signers_value_bills_and_markup_applies_to_it() throws Exception {
        MeteredUsage usage = metered(
                metering(UsdSource.SIGNER, "0.02"),
                "{\"id\":\"e1\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"acme:alice\","
                        + "\"computed_fee\":\"1000000000000000\",\"computed_fee_usd\":\"2\","
                        + "\"pipeline\":\"live-video-to-video\",\"current_time\":\"2026-08-20T11:59:00Z\"}}");

        assertThat(usage.usdSource()).isEqualTo(UsdSource.SIGNER);
        assertThat(usage.networkMicros()).isEqualByComparingTo("2000000");
        assertThat(usage.billableMicros()).isEqualByComparingTo("2300000");
        assertThat(usage.audit().oracleMicros()).isEqualByComparingTo("3000000");
        assertThat(usage.audit().divergenceMicros()).isEqualByComparingTo("-1000000");
        assertThat(usage.audit().relativeDivergence()).isEqualByComparingTo("0.333333");
        assertThat(usage.audit().flagged()).isTrue();
        JsonNode data = data(usage);
        assertThat(data.path("usd_source").asText()).isEqualTo("signer");
        assertThat(data.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("2000000");
        assertThat(data.path("oracle_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(data.path("price_audit_flagged").asBoolean()).isTrue();
    }

    @ParameterizedTest(name = "oracle {0}, signer {1}, tolerance {2} → flagged {3}, ratio {4}")
    @CsvSource({
        "3000000, 3060000, 0.02, false, 0.02",
        "3000000, 3060000.000000000001, 0.02, true, 0.02",
        "3000000, 2940000, 0.02, false, 0.02",
        "3000000, 2939999, 0.02, true, 0.020000",
        "3000000, 3000000, 0, false, 0",
        "3000000, 3000000.000000000001, 0, true, 0",
        "0, 0, 0.02, false, 0",
        "7, 10, 0.5, false, 0.428571",
        "7, 11, 0.5, true, 0.571429"
    })
    void the_audit_flags_a_divergence_above_the_tolerance_compared_exactly(
            String oracle, String signer, String tolerance, boolean flagged, String ratio) {
        PriceAudit audit = PriceAudit.of(new BigDecimal(oracle), new BigDecimal(signer), new BigDecimal(tolerance));

        assertThat(audit.flagged()).isEqualTo(flagged);
        assertThat(audit.relativeDivergence()).isEqualByComparingTo(ratio);
        assertThat(audit.divergenceMicros())
                .isEqualByComparingTo(new BigDecimal(signer).subtract(new BigDecimal(oracle)));
    }

    @Test
    void a_signer_value_beside_a_zero_oracle_value_is_flagged_without_a_ratio() {
        PriceAudit audit = PriceAudit.of(BigDecimal.ZERO, new BigDecimal("0.5"), new BigDecimal("0.02"));

        assertThat(audit.flagged()).isTrue();
        assertThat(audit.relativeDivergence()).isNull();
    }

    @Test
    void usd_converts_to_micros_by_a_decimal_point_shift() {
        assertThat(FeeConverter.usdToMicros(new BigDecimal("0.003")).toPlainString())
                .isEqualTo("3000");
        assertThat(FeeConverter.usdToMicros(new BigDecimal("0.000000000000000001"))
                        .toPlainString())
                .isEqualTo("0.000000000001");
    }

    @ParameterizedTest(name = "{0} + {1} → {2} / {3}")
    @CsvSource(
            nullValues = "null",
            value = {
                "live-video-to-video:streamdiffusion, null, live-video-to-video, streamdiffusion",
                "live-video-to-video:streamdiffusion, '', live-video-to-video, streamdiffusion",
                "a:b:c, null, a, b:c",
                "' live : sd15 ', null, live, sd15",
                "live-video-to-video:streamdiffusion, explicit, live-video-to-video:streamdiffusion, explicit",
                ":model, null, :model, unknown",
                "base:, null, base:, unknown",
                "live, null, live, unknown",
                "null, null, unknown, unknown"
            })
    void a_base_colon_model_pipeline_without_model_id_is_split_at_the_first_colon(
            String pipeline, String modelId, String expectedPipeline, String expectedModel) {
        assertThat(PipelineModel.of(pipeline, modelId)).isEqualTo(new PipelineModel(expectedPipeline, expectedModel));
    }

    @Test
    void the_split_feeds_the_markup_rules() throws Exception {
        SignerEventMetering metering = new SignerEventMetering(
                new UsageCloudEventMapper(UsageCloudEventMapper.DEFAULT_SOURCE),
                new MarkupRules(List.of(
                        new MarkupRule("*", "*", BigDecimal.ZERO),
                        new MarkupRule("live-video-to-video", "*", new BigDecimal("15")),
                        new MarkupRule("live-video-to-video", "streamdiffusion", new BigDecimal("40")))),
                MeteringLimits.defaults());

        MeteredUsage split = metered(
                metering,
                "{\"id\":\"e2\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"acme:alice\","
                        + "\"computed_fee\":\"1000000000000000\",\"pipeline\":\"live-video-to-video:streamdiffusion\","
                        + "\"current_time\":\"2026-08-20T11:59:00Z\"}}");
        MeteredUsage otherModel = metered(
                metering,
                "{\"id\":\"e3\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"acme:alice\","
                        + "\"computed_fee\":\"1000000000000000\",\"pipeline\":\"live-video-to-video:sd-turbo\","
                        + "\"current_time\":\"2026-08-20T11:59:00Z\"}}");

        assertThat(split.pipeline()).isEqualTo("live-video-to-video");
        assertThat(split.modelId()).isEqualTo("streamdiffusion");
        assertThat(split.markupPercent()).isEqualByComparingTo("40");
        assertThat(split.billableMicros()).isEqualByComparingTo("4200000");
        assertThat(data(split).path("pipeline").asText()).isEqualTo("live-video-to-video");
        assertThat(data(split).path("model_id").asText()).isEqualTo("streamdiffusion");
        assertThat(otherModel.markupPercent()).isEqualByComparingTo("15");
        assertThat(otherModel.billableMicros()).isEqualByComparingTo("3450000");
    }
}
