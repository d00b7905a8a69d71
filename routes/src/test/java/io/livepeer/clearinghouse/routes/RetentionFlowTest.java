package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The retention flow in the running application: delivered events lose their CloudEvent JSON and old dead letters go,
 * while the usage API, the ledger and reconciliation still answer for every event (issue 9, defect 10).
 */
class RetentionFlowTest extends PipelineTestSupport {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void delivered_payloads_and_dead_letters_are_pruned_and_usage_still_answers(JdbcTarget db) throws Exception {
        FakeOpenMeter openMeter = openMeter();
        Stage stage = stage(db, 1);
        // ages of 1 ms: everything delivered or dead-lettered is old enough by the next pass
        start(
                stage,
                openMeter.v1BaseUrl(),
                Map.of(
                        "clearinghouse.retention.dry-run", "false",
                        "clearinghouse.retention.outbox-payload-age", "1ms",
                        "clearinghouse.retention.dead-letter-age", "1ms",
                        "clearinghouse.retention.interval", "200ms",
                        "clearinghouse.retention.initial-delay", "0",
                        "clearinghouse.retention.batch-size", "2"));
        List<String> ids = validIds(3);
        String time = Instant.now().minus(1, ChronoUnit.HOURS).toString();
        for (String id : ids) {
            kafka.send(stage.topic(), id, ticket(id, time));
        }
        kafka.send(stage.topic(), "poison", "{not json");

        eventually().untilAsserted(() -> {
            JsonNode events = json(get(stage.httpPort(), "/api/usage/events?subject=acme"));
            assertThat(events.path("events")).hasSize(3);
            for (JsonNode e : events.path("events")) {
                assertThat(e.path("status").asText()).isEqualTo("delivered");
                assertThat(e.path("cloud_event").isNull()).as(e.toString()).isTrue();
                assertThat(e.path("billable_usd_micros").asText()).isEqualTo("3000000");
            }
            assertThat(json(get(stage.httpPort(), "/api/dead-letters")).path("dead_letters"))
                    .isEmpty();
            String metrics = get(stage.managementPort(), "/observe/metrics").body();
            assertThat(metrics).contains("clearinghouse_retention_removed_total{kind=\"outbox_payload\"} 3.0");
            assertThat(metrics).contains("clearinghouse_retention_removed_total{kind=\"dead_letter\"} 1.0");
        });
        assertThat(openMeter.acceptedIdCounts().keySet()).containsExactlyInAnyOrderElementsOf(ids);

        JsonNode summary = json(get(
                stage.httpPort(),
                "/api/usage/summary?from=" + Instant.now().minus(1, ChronoUnit.DAYS) + "&to="
                        + Instant.now().plus(1, ChronoUnit.DAYS)));
        assertThat(summary.toString()).contains("\"events\":3");
        JsonNode transfers = json(get(stage.httpPort(), "/api/ledger/transfers?account=customer:acme"));
        assertThat(transfers.path("transfers")).hasSize(3);
        JsonNode books = json(get(stage.httpPort(), "/api/ledger/reconciliation"));
        assertThat(books.path("ok").asBoolean()).as(books.toString()).isTrue();
    }

    static String ticket(String id, String time) {
        return "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"gateway\":\"\",\"data\":{"
                + "\"auth_id\":\"acme\",\"computed_fee\":\"1000000000000000\",\"pipeline\":\"live\","
                + "\"request_id\":\"a1b2c3d4\",\"session_id\":\"9f8e7d6c\",\"current_time\":\"" + time + "\","
                + "\"billable_secs\":10,\"pixels\":0}}";
    }

    static JsonNode json(java.net.http.HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }
}
