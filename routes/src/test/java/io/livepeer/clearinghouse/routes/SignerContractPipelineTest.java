package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The go-livepeer v0.9.3 signer contract through the real pipeline (in-process Kafka, H2 and embedded PostgreSQL, the
 * OpenMeter stand-in): {@code computed_fee_usd} and {@code payer_address} accepted into the CloudEvent and the outbox
 * or dead-lettered, {@code usd-source = signer} with its oracle fallback, the price audit's flag, API filter and
 * metric, and the {@code "base:model"} split feeding the markup.
 */
class SignerContractPipelineTest extends PipelineTestSupport {

    static final String PAYER = "0x5F3C8A9D1b2c3d4e5f60718293a4b5c6d7e8f901";

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    /** A 10^15 wei ticket (3 USD at the test's static $3000) with extra data members. */
    static String ticket(String id, String pipeline, String extra) {
        String base = signedTicket(id, "acme:alice", "1000000000000000", pipeline);
        return extra.isEmpty() ? base : base.substring(0, base.length() - 2) + "," + extra + "}}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void v0_9_3_fields_are_billed_audited_and_carried_or_dead_lettered(JdbcTarget db) throws Exception {
        Stage stage = stage(db, 2);
        FakeOpenMeter openMeter = openMeter();
        ClearinghouseApp app = start(
                stage,
                openMeter.v1BaseUrl(),
                Map.of(
                        "clearinghouse.metering.usd-source", "signer",
                        "clearinghouse.metering.price-audit-tolerance", "0.02"));
        List<String> ids = validIds(6);
        kafka.send(
                stage.topic(),
                null,
                ticket(ids.get(0), "live", "\"computed_fee_usd\":\"3.05\",\"payer_address\":\"" + PAYER + "\""),
                ticket(ids.get(1), "live", "\"computed_fee_usd\":\"2\""),
                ticket(ids.get(2), "live-video-to-video:streamdiffusion", "\"computed_fee_usd\":null"),
                ticket(ids.get(3), "live", "\"computed_fee_usd\":\"1e0\""),
                ticket(ids.get(4), "live", "\"payer_address\":\"0x12\""),
                ticket(ids.get(5), "live", "\"computed_fee_usd\":\"0.1234567890123456789\""));

        var ch = app.services();
        eventually()
                .until(() -> openMeter.acceptedIdCounts().size() == 3
                        && ch.deadLetters().count() == 3
                        && ch.outbox().pendingCount() == 0);

        Map<String, JsonNode> sent = openMeter.acceptedEvents().stream()
                .collect(Collectors.toMap(e -> e.path("id").asText(), e -> e.path("data"), (a, b) -> a));
        JsonNode within = sent.get(ids.get(0));
        assertThat(within.path("usd_source").asText()).isEqualTo("signer");
        assertThat(within.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("3050000");
        assertThat(within.path("oracle_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(within.path("computed_fee_usd").decimalValue()).isEqualByComparingTo("3.05");
        assertThat(within.path("price_audit_flagged").asBoolean()).isFalse();
        assertThat(within.path("payer_address").asText()).isEqualTo(PAYER.toLowerCase());
        JsonNode flagged = sent.get(ids.get(1));
        assertThat(flagged.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("2000000");
        assertThat(flagged.path("price_audit_flagged").asBoolean()).isTrue();
        JsonNode split = sent.get(ids.get(2));
        assertThat(split.path("usd_source").asText()).isEqualTo("oracle");
        assertThat(split.path("pipeline").asText()).isEqualTo("live-video-to-video");
        assertThat(split.path("model_id").asText()).isEqualTo("streamdiffusion");
        assertThat(split.path("billable_usd_micros").decimalValue())
                .as("the reference catalog's 15 %% for live-video-to-video applies after the split")
                .isEqualByComparingTo("3450000");
        assertThat(openMeter.contractViolations()).isEmpty();

        Map<String, OutboxQueries.OutboxEventView> stored = ch.outbox().list(null, null, null, 10).stream()
                .collect(Collectors.toMap(OutboxQueries.OutboxEventView::eventId, Function.identity()));
        assertThat(stored.get(ids.get(0))).satisfies(e -> {
            assertThat(e.payerAddress()).isEqualTo(PAYER.toLowerCase());
            assertThat(e.usdSource()).isEqualTo("signer");
            assertThat(e.networkMicros()).isEqualByComparingTo("3050000");
            assertThat(e.oracleMicros()).isEqualByComparingTo("3000000");
            assertThat(e.signerMicros()).isEqualByComparingTo("3050000");
            assertThat(e.divergenceMicros()).isEqualByComparingTo("50000");
            assertThat(e.priceAuditFlagged()).isFalse();
        });
        assertThat(stored.get(ids.get(2)).priceAuditFlagged()).isNull();
        assertThat(stored.get(ids.get(2)).usdSource()).isEqualTo("oracle");

        JsonNode page = Json.mapper()
                .readTree(get(stage.httpPort(), "/api/usage/events?price_audit=flagged")
                        .body());
        assertThat(page.path("events")).singleElement().satisfies(e -> {
            assertThat(e.path("event_id").asText()).isEqualTo(ids.get(1));
            assertThat(e.path("usd_divergence_micros").asText()).isEqualTo("-1000000");
            assertThat(e.path("usd_divergence_ratio").asText()).isEqualTo("0.333333");
            assertThat(e.path("price_audit_flagged").asBoolean()).isTrue();
        });
        assertThat(get(stage.httpPort(), "/api/usage/events?price_audit=maybe").statusCode())
                .isEqualTo(400);

        JsonNode deadLetters = Json.mapper()
                .readTree(get(stage.httpPort(), "/api/dead-letters").body())
                .path("dead_letters");
        assertThat(deadLetters.findValuesAsText("reason"))
                .anyMatch(r -> r.startsWith("computed_fee_usd is in exponent form: 1e0"))
                .anyMatch(r -> r.startsWith("payer_address is not a 0x-prefixed 20-byte hex address"))
                .anyMatch(r -> r.startsWith("computed_fee_usd has more than 18 decimal places"));

        assertThat(ch.metrics().deadLetteredCount("invalid_fee")).isEqualTo(2);
        assertThat(ch.metrics().deadLetteredCount("invalid_field")).isEqualTo(1);
        assertThat(ch.metrics().priceAuditFlaggedCount()).isEqualTo(1);
        assertThat(ch.metrics().usdFallbackCount()).isEqualTo(1);
        String metrics = request(stage.managementPort(), "GET", "/observe/metrics", null, null, Map.of())
                .body();
        assertThat(metrics)
                .contains("clearinghouse_metering_price_audit_flagged_total 1.0")
                .contains("clearinghouse_metering_usd_fallback_total 1.0")
                .contains("clearinghouse_metering_price_audit_divergence_ratio_count 2")
                .contains("clearinghouse_metering_price_audit_unaudited_total 1.0");
    }
}
