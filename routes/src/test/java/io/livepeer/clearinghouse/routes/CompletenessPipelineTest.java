package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Completeness end to end (issue 10): payment-session gaps and forks through the real pipeline (in-process Kafka with
 * three partitions, H2 and embedded PostgreSQL, the OpenMeter stand-in), and two instances on one PostgreSQL.
 */
class CompletenessPipelineTest extends PipelineTestSupport {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    /** The paying signer (v0.9.3 payer_address), mixed case as a checksummed address is. */
    static final String PAYER = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";

    /** A signed ticket of session {@code session}, sequence {@code seq}, paid by {@link #PAYER}. */
    static String ticket(String id, String session, long seq, String feeWei) {
        Instant usedAt = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        return "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"" + usedAt.toEpochMilli()
                + "\",\"gateway\":\"\",\"data\":{\"auth_id\":\"acme:alice\",\"computed_fee\":\"" + feeWei + "\","
                + "\"pipeline\":\"live\",\"request_id\":\"a1b2c3d4\",\"session_id\":\"" + session + "\","
                + "\"sequence_number\":" + seq + ",\"num_tickets\":1,\"payer_address\":\"" + PAYER + "\","
                + "\"current_time\":\"" + usedAt + "\",\"billable_secs\":10,\"pixels\":0}}";
    }

    /** Sends under a random key, so the records of one session spread over the partitions. */
    static void send(Stage stage, String json) {
        kafka.send(stage.topic(), UUID.randomUUID().toString(), json);
    }

    static JsonNode json(java.net.http.HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void lost_late_duplicated_and_forked_events_across_partitions(JdbcTarget db) throws Exception {
        Stage stage = stage(db, 3);
        FakeOpenMeter openMeter = openMeter();
        ClearinghouseApp app = start(stage, openMeter.v1BaseUrl(), Map.of());
        String session = "5e55" + Integer.toHexString(COUNTER.get());
        List<String> ids = new ArrayList<>();
        for (int seq = 0; seq < 6; seq++) {
            ids.add(UUID.randomUUID().toString());
        }
        // 2 and 4 are lost (for now); 3 is delivered twice by Kafka (same bytes)
        String three = ticket(ids.get(3), session, 3, "1000");
        for (int seq : new int[] {0, 1, 3, 5}) {
            send(stage, seq == 3 ? three : ticket(ids.get(seq), session, seq, "1000"));
        }
        send(stage, three);
        Clearinghouse ch = app.services();
        eventually()
                .until(() -> openMeter.acceptedDistinct() == 4 && ch.metrics().consumedCount() == 5);

        JsonNode gaps = json(request(stage.httpPort(), "GET", "/api/usage/gaps", VIEWER_TOKEN, null, Map.of()));
        assertThat(gaps.path("gaps")).hasSize(2);
        JsonNode newest = gaps.path("gaps").get(0);
        assertThat(newest.path("session_id").asText()).isEqualTo(session);
        assertThat(newest.path("signer").asText()).isEqualTo(PAYER.toLowerCase(java.util.Locale.ROOT));
        assertThat(newest.path("subject").asText()).isEqualTo("acme:alice");
        assertThat(gaps.path("totals").path("open_gaps").asLong()).isEqualTo(2);
        assertThat(gaps.path("totals").path("missing_sequences").asLong()).isEqualTo(2);
        // the session's average fee per received call (1,000 wei) times the two calls missing
        assertThat(gaps.path("totals").path("estimated_unbilled_wei").asText()).isEqualTo("2000");
        assertThat(gaps.path("totals").path("estimation_rule").asText()).contains("average");
        // same cursor paging as the other usage routes
        JsonNode first = json(get(stage.httpPort(), "/api/usage/gaps?limit=1"));
        assertThat(first.path("gaps")).hasSize(1);
        JsonNode second = json(get(
                stage.httpPort(),
                "/api/usage/gaps?limit=1&cursor=" + first.path("next_cursor").asText()));
        assertThat(second.path("gaps").get(0).path("from_sequence").asLong())
                .isNotEqualTo(first.path("gaps").get(0).path("from_sequence").asLong());
        assertThat(request(stage.httpPort(), "GET", "/api/usage/gaps", null, null, Map.of())
                        .statusCode())
                .isEqualTo(401);

        // forks: the id of 0 with another fee, and another id for sequence 1
        send(stage, ticket(ids.get(0), session, 0, "9999"));
        send(stage, ticket(UUID.randomUUID().toString(), session, 1, "1000"));
        // the late events fill their gaps
        send(stage, ticket(ids.get(2), session, 2, "1000"));
        send(stage, ticket(ids.get(4), session, 4, "1000"));
        eventually()
                .until(() ->
                        openMeter.acceptedDistinct() == 6 && ch.deadLetters().count() == 2);

        assertThat(json(get(stage.httpPort(), "/api/usage/gaps")).path("gaps")).isEmpty();
        assertThat(openMeter.acceptedIdCounts()).containsOnlyKeys(ids);
        assertThat(openMeter.acceptedIdCounts().values()).containsOnly(1);
        JsonNode letters = json(get(stage.httpPort(), "/api/dead-letters")).path("dead_letters");
        assertThat(letters).hasSize(2);
        letters.forEach(l -> assertThat(l.path("reason").asText()).startsWith("fork: "));
        // each fork shows what was billed first beside what was refused, and no redrive yet
        assertThat(letters)
                .extracting(l -> l.path("first_payload").path("id").asText())
                .containsExactlyInAnyOrder(ids.get(0), ids.get(1));
        letters.forEach(l -> {
            assertThat(l.path("first_payload").path("subject").asText()).isEqualTo("acme:alice");
            assertThat(l.path("redrive_outcome").isNull()).isTrue();
            assertThat(l.path("redriven_at").isNull()).isTrue();
        });
        long forkId = letters.get(0).path("id").asLong();
        new io.livepeer.clearinghouse.ledger.Reprocessing(ch.database())
                .markRedriven(
                        forkId,
                        io.livepeer.clearinghouse.ledger.Reprocessing.Outcome.DEAD_LETTERED,
                        "fork: still a fork",
                        Instant.parse("2026-08-21T00:00:00Z"));
        JsonNode redriven = json(get(stage.httpPort(), "/api/dead-letters?limit=1"))
                .path("dead_letters")
                .get(0);
        assertThat(redriven.path("id").asLong()).isEqualTo(forkId);
        assertThat(redriven.path("redrive_outcome").asText()).isEqualTo("dead_lettered");
        assertThat(redriven.path("redrive_reason").asText()).isEqualTo("fork: still a fork");
        assertThat(redriven.path("redriven_at").asText()).isEqualTo("2026-08-21T00:00:00Z");
        assertThat(redriven.path("reason").asText()).startsWith("fork: ");
        assertThat(ch.metrics().consumedCount()).isEqualTo(9);
    }

    /** Two instances in one consumer group on one PostgreSQL each see a part of the session's partitions. */
    @Test
    void two_instances_on_one_postgresql_find_the_same_gaps() throws Exception {
        Stage stage = stage(TestDatabases.postgres(), 4);
        FakeOpenMeter openMeter = openMeter();
        ClearinghouseApp one = start(stage, openMeter.v1BaseUrl(), Map.of());
        Stage secondStage = new Stage(stage.topic(), stage.group(), stage.db(), freePort(), freePort());
        ClearinghouseApp two = start(secondStage, openMeter.v1BaseUrl(), Map.of());
        String session = "2a11" + Integer.toHexString(COUNTER.get());
        List<String> ids = new ArrayList<>();
        for (int seq = 0; seq < 12; seq++) {
            String id = UUID.randomUUID().toString();
            if (seq != 7) { // lost
                ids.add(id);
                send(stage, ticket(id, session, seq, "500"));
            }
        }
        eventually().until(() -> openMeter.acceptedDistinct() == ids.size());
        for (int port : new int[] {stage.httpPort(), secondStage.httpPort()}) {
            JsonNode gaps = json(get(port, "/api/usage/gaps")).path("gaps");
            assertThat(gaps).hasSize(1);
            assertThat(gaps.get(0).path("from_sequence").asLong()).isEqualTo(7);
            assertThat(gaps.get(0).path("to_sequence").asLong()).isEqualTo(7);
            assertThat(gaps.get(0).path("estimated_unbilled_wei").asText()).isEqualTo("500");
        }
        assertThat(one.services().metrics().consumedCount()
                        + two.services().metrics().consumedCount())
                .isGreaterThanOrEqualTo(ids.size());
        assertThat(openMeter.acceptedIdCounts().values()).containsOnly(1);
    }
}
