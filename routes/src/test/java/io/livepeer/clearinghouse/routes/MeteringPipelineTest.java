package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipeline end to end with real parts: in-process Kafka (3 partitions), H2 and embedded PostgreSQL, and a
 * stand-in OpenMeter that checks every request against the OpenAPI spec when {@code ../shared/contracts} is here.
 */
class MeteringPipelineTest extends PipelineTestSupport {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void every_valid_event_becomes_exactly_one_delivered_cloud_event_while_poison_is_dead_lettered(JdbcTarget db)
            throws Exception {
        Stage stage = stage(db, 3);
        FakeOpenMeter openMeter = openMeter();
        ClearinghouseApp app = start(stage, openMeter.v1BaseUrl(), Map.of());

        List<String> ids = validIds(120);
        for (String id : ids) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000000000000000", "live"));
        }
        kafka.send(
                stage.topic(),
                null,
                "{\"type\":\"discovery_results\",\"data\":[{\"address\":\"0x1\"}]}",
                "{\"type\":\"create_new_payment\",\"data\":{\"faceValue\":\"1\"}}",
                "this is not json",
                "{\"type\":\"create_signed_ticket\",\"data\":[1,2]}",
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"-1\"}}",
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"\",\"computed_fee\":\"1\"}}");
        // a redelivered copy of the first ten events
        for (String id : ids.subList(0, 10)) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000000000000000", "live"));
        }

        Clearinghouse ch = app.services();
        eventually()
                .until(() -> openMeter.acceptedIdCounts().size() == ids.size()
                        && ch.deadLetters().count() == 4
                        && ch.metrics().consumedCount() == 136);

        assertThat(openMeter.acceptedIdCounts())
                .containsOnlyKeys(ids)
                .allSatisfy((id, count) ->
                        assertThat(count).as("deliveries of %s", id).isEqualTo(1));
        assertThat(openMeter.contractViolations()).isEmpty();
        assertThat(openMeter.requests()).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/api/v1/events");
            assertThat(r.header("Content-Type")).contains("application/cloudevents-batch+json");
            assertThat(r.header("Authorization")).isEmpty();
            assertThat(r.headers().keySet())
                    .noneMatch(h -> h.toLowerCase().startsWith("kafka")
                            || h.toLowerCase().startsWith("camel"));
        });
        assertThat(openMeter.requests())
                .allSatisfy(
                        r -> assertThat(Json.mapper().readTree(r.body()).size()).isBetween(1, 100));
        JsonNode first = openMeter.acceptedEvents().get(0);
        assertThat(first.path("subject").asText()).isEqualTo("demo-client:demo-user");
        assertThat(first.path("data").path("network_fee_usd_micros").decimalValue())
                .isEqualByComparingTo("3000000");

        eventually().until(() -> ch.outbox().pendingCount() == 0);
        assertThat(ch.outbox().countByStatus()).containsEntry(OutboxQueries.Status.DELIVERED, 120L);
        assertThat(ch.metrics().meteredCount()).isEqualTo(120);
        assertThat(ch.metrics().duplicateCount()).isEqualTo(10);
        assertThat(ch.metrics().skippedCount()).isEqualTo(2);
        assertThat(ch.metrics().deadLetteredCount()).isEqualTo(4);
        assertThat(kafka.committedOffsets(stage.group(), stage.topic())).isEqualTo(136);

        HttpResponse<String> summary = get(stage.httpPort(), "/api/usage/summary");
        assertThat(summary.statusCode()).isEqualTo(200);
        JsonNode totals = Json.mapper().readTree(summary.body()).path("totals");
        assertThat(totals.path("events").asLong()).isEqualTo(120);
        assertThat(totals.path("network_usd_micros").asText()).isEqualTo("360000000");
        assertThat(totals.path("delivered").asLong()).isEqualTo(120);
        JsonNode deadLetters = Json.mapper()
                .readTree(get(stage.httpPort(), "/api/dead-letters").body());
        assertThat(deadLetters.path("dead_letters")).hasSize(4);
        assertThat(deadLetters.path("dead_letters").findValuesAsText("reason"))
                .anyMatch(r -> r.startsWith("not JSON"))
                .anyMatch(r -> r.contains("computed_fee is negative"))
                .anyMatch(r -> r.contains("no billable identity"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void openmeter_answering_503_then_200_loses_nothing_and_duplicates_nothing(JdbcTarget db) throws Exception {
        Stage stage = stage(db, 3);
        FakeOpenMeter openMeter = openMeter();
        openMeter.failNext(3, 503);
        ClearinghouseApp app = start(stage, openMeter.v1BaseUrl(), Map.of());

        List<String> ids = validIds(40);
        for (String id : ids) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "5", "fixed"));
        }
        eventually().until(() -> openMeter.acceptedIdCounts().size() == ids.size());
        eventually().until(() -> app.services().outbox().pendingCount() == 0);

        assertThat(openMeter.acceptedIdCounts().values()).containsOnly(1);
        assertThat(openMeter.requests()).filteredOn(r -> r.status() == 503).hasSize(3);
        assertThat(app.services().delivery().metrics().deliveredCount()).isEqualTo(40);
        assertThat(app.services().outbox().list(null, null, null, 100))
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(OutboxQueries.Status.DELIVERED));
        assertThat(openMeter.contractViolations()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_400_for_one_event_in_a_batch_rejects_only_that_event(JdbcTarget db) throws Exception {
        Stage stage = stage(db, 1);
        FakeOpenMeter openMeter = openMeter();
        openMeter.rejectEvents(e -> e.path("subject").asText().equals("bad:customer"), "data.value is not a number");
        ClearinghouseApp app = start(stage, openMeter.v1BaseUrl(), Map.of());

        List<String> ids = validIds(30);
        String badId = ids.get(17);
        for (String id : ids) {
            kafka.send(
                    stage.topic(),
                    id,
                    signedTicket(id, id.equals(badId) ? "bad:customer" : "good:customer", "1000", "live"));
        }
        Clearinghouse ch = app.services();
        eventually().until(() -> ch.outbox().pendingCount() == 0 && ch.metrics().meteredCount() == 30);

        Set<String> delivered = new HashSet<>(openMeter.acceptedIdCounts().keySet());
        assertThat(delivered).hasSize(29).doesNotContain(badId);
        List<OutboxQueries.OutboxEventView> rejected = ch.outbox().list(null, OutboxQueries.Status.REJECTED, null, 10);
        assertThat(rejected).singleElement().satisfies(e -> {
            assertThat(e.eventId()).isEqualTo(badId);
            assertThat(e.lastError()).startsWith("HTTP 400").contains("data.value is not a number");
        });
        assertThat(ch.delivery().metrics().rejectedCount()).isEqualTo(1);
        JsonNode page = Json.mapper()
                .readTree(get(stage.httpPort(), "/api/usage/events?status=rejected")
                        .body());
        assertThat(page.path("events").get(0).path("event_id").asText()).isEqualTo(badId);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_restart_mid_stream_loses_nothing_and_delivers_no_id_twice(JdbcTarget db) throws Exception {
        Stage stage = stage(db, 3);
        FakeOpenMeter openMeter = openMeter();
        List<String> ids = validIds(200);

        ClearinghouseApp first = start(stage, openMeter.v1BaseUrl(), Map.of());
        for (String id : ids.subList(0, 100)) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "7", "live"));
        }
        eventually().until(() -> first.services().metrics().consumedCount() > 0);
        first.close(); // stopped mid-stream: some events metered, some maybe not, some delivered

        for (String id : ids.subList(100, 200)) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "7", "live"));
        }
        ClearinghouseApp second = start(stage, openMeter.v1BaseUrl(), Map.of());
        eventually()
                .until(() -> openMeter.acceptedIdCounts().size() == ids.size()
                        && second.services().outbox().pendingCount() == 0);

        assertThat(openMeter.acceptedIdCounts()).containsOnlyKeys(ids);
        assertThat(openMeter.acceptedIdCounts().values()).containsOnly(1);
        assertThat(kafka.committedOffsets(stage.group(), stage.topic())).isEqualTo(200);
    }
}
