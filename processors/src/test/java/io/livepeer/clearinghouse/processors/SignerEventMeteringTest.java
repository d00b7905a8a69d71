package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import org.junit.jupiter.api.Test;

/** The reference cases of the livepeer/clearinghouse collector tests, plus the id and markup rules of DESIGN §5. */
class SignerEventMeteringTest {

    static final Instant NOW = Instant.parse("2026-08-20T12:00:00Z");
    static final PriceQuote PRICE = new PriceQuote(new BigDecimal("3000"), NOW, "static");
    static final SignerEventMetering METERING = new SignerEventMetering(
            new UsageCloudEventMapper(UsageCloudEventMapper.DEFAULT_SOURCE),
            Catalog.defaultCatalog().markup(),
            MeteringLimits.defaults());

    static MeteringOutcome meter(String json) {
        return METERING.meter(json.getBytes(StandardCharsets.UTF_8), PRICE, NOW);
    }

    static MeteredUsage metered(String json) {
        MeteringOutcome outcome = meter(json);
        assertThat(outcome).isInstanceOf(MeteringOutcome.Metered.class);
        return ((MeteringOutcome.Metered) outcome).usage();
    }

    static JsonNode cloudEvent(MeteredUsage usage) throws Exception {
        return Json.mapper().readTree(usage.cloudEventJson());
    }

    @Test
    void m2m_usage_of_10_to_15_wei_at_3000_becomes_a_3000000_micro_cloud_event() throws Exception {
        MeteredUsage usage = metered("""
                {"id":"0b9c7d4e-1111-4a53-9a53-2f0e3b7d9c11","type":"create_signed_ticket","timestamp":"1787220000123",
                 "data":{"auth_id":"demo-client:demo-user","computed_fee":"1000000000000000","request_id":"req-m2m-1",
                 "pipeline":"live","model_id":"daydream-video","pixels":"1000","billable_secs":1.5,
                 "manifest_id":"mid-1","current_time":"2026-07-24T12:00:00Z","orch_address":"0xabc"}}""");
        assertThat(usage.subject()).isEqualTo("demo-client:demo-user");
        assertThat(usage.networkMicros().toPlainString()).isEqualTo("3000000");

        JsonNode ce = cloudEvent(usage);
        assertThat(ce.path("specversion").asText()).isEqualTo("1.0");
        assertThat(ce.path("id").asText()).isEqualTo("0b9c7d4e-1111-4a53-9a53-2f0e3b7d9c11");
        assertThat(ce.path("source").asText()).isEqualTo("go-livepeer-remote-signer");
        assertThat(ce.path("type").asText()).isEqualTo("create_signed_ticket");
        assertThat(ce.path("subject").asText()).isEqualTo("demo-client:demo-user");
        assertThat(ce.path("time").asText()).isEqualTo("2026-07-24T12:00:00Z");
        JsonNode data = ce.path("data");
        assertThat(data.isObject()).isTrue();
        assertThat(data.path("client_id").asText()).isEqualTo("demo-client");
        assertThat(data.path("usage_subject").asText()).isEqualTo("demo-user");
        assertThat(data.path("external_user_id").asText()).isEqualTo("demo-user");
        assertThat(data.path("usage_subject_type").asText()).isEqualTo("external_user_id");
        assertThat(data.path("auth_id").asText()).isEqualTo("demo-client:demo-user");
        assertThat(data.path("openmeter_customer_key").asText()).isEqualTo("demo-client:demo-user");
        assertThat(data.path("network_fee_usd_micros").isNumber()).isTrue();
        assertThat(data.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(data.path("billable_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(data.path("fee_wei").isNumber()).isTrue();
        assertThat(data.path("fee_wei").bigIntegerValue()).isEqualTo(new java.math.BigInteger("1000000000000000"));
        assertThat(data.path("eth_usd_price").decimalValue()).isEqualByComparingTo("3000");
        assertThat(data.path("price_source").asText()).isEqualTo("static");
        assertThat(data.path("pipeline").asText()).isEqualTo("live");
        assertThat(data.path("model_id").asText()).isEqualTo("daydream-video");
        assertThat(data.path("manifest_id").asText()).isEqualTo("mid-1");
        assertThat(data.path("billable_secs").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(data.path("pixels").asLong()).isEqualTo(1000);
        assertThat(data.path("gateway_request_id").asText()).isEqualTo("req-m2m-1");
        assertThat(data.path("orch_address").asText()).isEqualTo("0xabc");
    }

    @Test
    void an_owner_is_billed_by_bare_id_with_the_session_id_as_manifest() throws Exception {
        MeteredUsage usage = metered("""
                {"type":"create_signed_ticket","data":{"auth_id":"app_abc:owner:2e51154b-d296-4015-990c-02d5f16ecf1e",
                 "computed_fee":"1000000000000000","session_id":"state-xyz","billable_secs":2}}""");
        assertThat(usage.subject()).isEqualTo("2e51154b-d296-4015-990c-02d5f16ecf1e");
        JsonNode data = cloudEvent(usage).path("data");
        assertThat(data.path("usage_subject_type").asText()).isEqualTo("app_owner");
        assertThat(data.path("manifest_id").asText()).isEqualTo("state-xyz");
        assertThat(data.path("openmeter_customer_key").asText()).isEqualTo("2e51154b-d296-4015-990c-02d5f16ecf1e");
        assertThat(usage.networkMicros().toPlainString()).isEqualTo("3000000");
    }

    @Test
    void the_sequence_number_is_carried_only_with_a_session() throws Exception {
        JsonNode sequenced = cloudEvent(metered("""
                {"type":"create_signed_ticket","data":{"auth_id":"app_abc:owner:o1","computed_fee":"1000",
                 "session_id":"state-xyz","sequence_number":7}}""")).path("data");
        assertThat(sequenced.path("sequence_number").isIntegralNumber()).isTrue();
        assertThat(sequenced.path("sequence_number").asLong()).isEqualTo(7);
        JsonNode unsequenced = cloudEvent(metered("""
                {"type":"create_signed_ticket","data":{"auth_id":"app_abc:owner:o1","computed_fee":"1000",
                 "session_id":"state-xyz"}}""")).path("data");
        assertThat(unsequenced.has("sequence_number")).isFalse();
        JsonNode sessionless = cloudEvent(metered("""
                {"type":"create_signed_ticket","data":{"auth_id":"app_abc:owner:o1","computed_fee":"1000",
                 "sequence_number":3}}""")).path("data");
        assertThat(sessionless.has("sequence_number")).isFalse();
    }

    @Test
    void an_empty_owner_id_is_rejected_not_dropped() {
        assertThat(meter("{\"id\":\"e1\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"app_x:owner:\","
                        + "\"computed_fee\":\"5\"}}"))
                .isInstanceOfSatisfying(MeteringOutcome.Rejected.class, r -> {
                    assertThat(r.reason()).contains("no billable identity");
                    assertThat(r.eventId()).isEqualTo("e1");
                });
    }

    @Test
    void a_fee_of_one_wei_is_three_billionths_of_a_micro_in_plain_notation() throws Exception {
        MeteredUsage usage = metered(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\"," + "\"computed_fee\":\"1\"}}");
        assertThat(usage.networkMicros().toPlainString()).isEqualTo("0.000000003");
        assertThat(new String(usage.cloudEventJson(), StandardCharsets.UTF_8))
                .contains("\"network_fee_usd_micros\":0.000000003");
    }

    @Test
    void a_non_signed_ticket_type_is_skipped() {
        assertThat(meter("{\"type\":\"other_event\",\"data\":{\"computed_fee\":\"1\"}}"))
                .isEqualTo(new MeteringOutcome.Skipped("other_event"));
        assertThat(meter("{\"type\":\"network_capabilities\",\"data\":[1,2]}"))
                .isEqualTo(new MeteringOutcome.Skipped("network_capabilities"));
    }

    @Test
    void the_catalog_markup_makes_live_video_to_video_billable_at_115_percent() throws Exception {
        MeteredUsage usage = metered("""
                {"type":"create_signed_ticket","data":{"auth_id":"c:u","computed_fee":"333333333333334",
                 "pipeline":"live-video-to-video"}}""");
        // 333333333333334 wei × 3000 / 10^12 = 1000000.000000002 micros; × 1.15
        assertThat(usage.networkMicros().toPlainString()).isEqualTo("1000000.000000002");
        assertThat(usage.billableMicros().toPlainString()).isEqualTo("1150000.0000000023");
        assertThat(usage.markupPercent()).isEqualByComparingTo("15");
        assertThat(cloudEvent(usage).path("data").path("markup_percent").decimalValue())
                .isEqualByComparingTo("15");
    }

    @Test
    void empty_pipeline_and_absent_model_become_unknown() throws Exception {
        JsonNode data = cloudEvent(metered("{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\","
                        + "\"computed_fee\":\"1\",\"pipeline\":\"\"}}"))
                .path("data");
        assertThat(data.path("pipeline").asText()).isEqualTo("unknown");
        assertThat(data.path("model_id").asText()).isEqualTo("unknown");
        assertThat(data.path("manifest_id").asText()).isEqualTo("unknown");
    }

    @Test
    void without_an_envelope_id_the_derived_id_is_stable_and_never_the_request_id() throws Exception {
        String a = "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"7\","
                + "\"request_id\":\"a1b2c3d4\"}}";
        String sameReordered = "{ \"data\": {\"request_id\":\"a1b2c3d4\", \"computed_fee\":\"7\", \"auth_id\":\"c:u\"},"
                + " \"type\":\"create_signed_ticket\" }";
        String otherFee = a.replace("\"7\"", "\"8\"");
        String idA = metered(a).eventId();
        assertThat(idA).matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(metered(sameReordered).eventId()).isEqualTo(idA);
        assertThat(metered(otherFee).eventId()).isNotEqualTo(idA);
        assertThat(idA).isNotEqualTo("a1b2c3d4");
        assertThat(cloudEvent(metered(a)).path("id").asText()).isEqualTo(idA);
    }

    @Test
    void the_usage_time_falls_back_from_current_time_to_envelope_timestamp_to_receive_time() {
        assertThat(metered(
                                "{\"type\":\"create_signed_ticket\",\"timestamp\":\"1787220000123\",\"data\":{"
                                        + "\"auth_id\":\"c:u\",\"computed_fee\":\"1\",\"current_time\":\"2026-08-20T10:00:00.5Z\"}}")
                        .time())
                .isEqualTo(Instant.parse("2026-08-20T10:00:00.5Z"));
        assertThat(metered("{\"type\":\"create_signed_ticket\",\"timestamp\":\"1787220000123\",\"data\":{"
                                + "\"auth_id\":\"c:u\",\"computed_fee\":\"1\"}}")
                        .time())
                .isEqualTo(Instant.ofEpochMilli(1787220000123L));
        assertThat(metered("{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"1\"}}")
                        .time())
                .isEqualTo(NOW);
    }

    @Test
    void absurd_values_are_rejected() {
        assertThat(meter("{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\","
                        + "\"computed_fee\":\"1000000000000000000001\"}}"))
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason()).contains("exceeds the limit"));
        assertThat(meter("{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"1\","
                        + "\"current_time\":\"2099-01-01T00:00:00Z\"}}"))
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason()).contains("lies in the future"));
    }

    @Test
    void usage_older_than_the_backdating_window_of_openmeter_and_konnect_is_dead_lettered() {
        String thirtyOneDaysAgo = NOW.minus(java.time.Duration.ofDays(31)).toString();
        String twentyNineDaysAgo = NOW.minus(java.time.Duration.ofDays(29)).toString();
        String ticket = "{\"id\":\"i\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\","
                + "\"computed_fee\":\"1\",\"current_time\":\"%s\"}}";

        // before: no past-age limit, the event was metered and debited, and OpenMeter/Konnect dropped it
        assertThat(meter(ticket.formatted(thirtyOneDaysAgo)))
                .isInstanceOfSatisfying(MeteringOutcome.Rejected.class, r -> {
                    assertThat(r.reason())
                            .startsWith("usage time " + thirtyOneDaysAgo)
                            .contains("is older than the backdating window of 30 days");
                    assertThat(r.eventId()).isEqualTo("i");
                });
        assertThat(meter(ticket.formatted(twentyNineDaysAgo))).isInstanceOf(MeteringOutcome.Metered.class);
        // the envelope timestamp counts when there is no current_time
        assertThat(meter("{\"type\":\"create_signed_ticket\",\"timestamp\":\""
                        + NOW.minus(java.time.Duration.ofDays(40)).toEpochMilli()
                        + "\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"1\"}}"))
                .isInstanceOf(MeteringOutcome.Rejected.class);

        SignerEventMetering oneHour = new SignerEventMetering(
                new UsageCloudEventMapper(UsageCloudEventMapper.DEFAULT_SOURCE),
                Catalog.defaultCatalog().markup(),
                new MeteringLimits(
                        new java.math.BigInteger("1000"),
                        java.time.Duration.ofHours(1),
                        java.time.Duration.ofHours(1)));
        assertThat(oneHour.meter(ticket.formatted(NOW.minusSeconds(3601)).getBytes(StandardCharsets.UTF_8), PRICE, NOW))
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason()).contains("older than the backdating window of PT1H"));
    }

    @Test
    void the_cloud_event_carries_only_known_top_level_attributes() throws Exception {
        JsonNode ce = cloudEvent(metered("{\"id\":\"i\",\"type\":\"create_signed_ticket\",\"data\":{"
                + "\"auth_id\":\"c:u\",\"computed_fee\":\"1\"}}"));
        Iterator<String> names = ce.fieldNames();
        java.util.List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        assertThat(list)
                .containsExactlyInAnyOrder(
                        "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data");
    }
}
