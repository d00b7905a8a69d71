package io.livepeer.clearinghouse.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The OpenMeter stand-in must catch what the real one refuses, or the pipeline tests prove nothing. */
class FakeOpenMeterTest {

    static final String GOOD = "[{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"go-livepeer-remote-signer\","
            + "\"type\":\"create_signed_ticket\",\"subject\":\"c:u\",\"time\":\"2026-08-20T10:00:00Z\","
            + "\"data\":{\"network_fee_usd_micros\":3}}]";

    static int post(String url, String contentType, String body) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Content-Type", contentType)
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> postJson(String url, String body) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void meter_queries_answer_from_accepted_events_in_both_dialects_with_lost_and_doubled_usage() throws Exception {
        try (FakeOpenMeter fake = FakeOpenMeter.start().defineReferenceMeters()) {
            String type = "application/cloudevents-batch+json";
            post(fake.v1BaseUrl() + "/api/v1/events", type, GOOD);
            post(
                    fake.v1BaseUrl() + "/api/v1/events",
                    type,
                    GOOD.replace("\"e1\"", "\"e2\"").replace("c:u", "d"));
            String v1 = fake.v1BaseUrl() + "/api/v1/meters/network_fee_usd_micros/query"
                    + "?from=2026-08-20T00:00:00Z&to=2026-08-21T00:00:00Z&groupBy=subject";
            HttpResponse<String> answer = get(v1);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body())
                    .contains("\"subject\":\"c:u\",\"value\":3.0")
                    .contains("\"subject\":\"d\"");

            fake.loseUsageOf(e -> e.path("id").asText().equals("e1"))
                    .doubleUsageOf(e -> e.path("id").asText().equals("e2"));
            String meters = get(fake.konnectBaseUrl() + "/meters?filter%5Bkey%5D=signed_ticket_count")
                    .body();
            String id = meters.replaceAll("(?s).*\"id\":\"([0-9A-Z]{26})\".*", "$1");
            HttpResponse<String> v3 = postJson(
                    fake.konnectBaseUrl() + "/meters/" + id + "/query",
                    "{\"from\":\"2026-08-20T00:00:00Z\",\"to\":\"2026-08-21T00:00:00Z\","
                            + "\"group_by_dimensions\":[\"subject\"]}");
            assertThat(v3.statusCode()).isEqualTo(200);
            assertThat(v3.body())
                    .contains("\"dimensions\":{\"subject\":\"c:u\"},\"value\":\"0\"")
                    .contains("\"dimensions\":{\"subject\":\"d\"},\"value\":\"2\"");
            // an event at the end of the period is outside it
            assertThat(get(v1.replace("to=2026-08-21", "to=2026-08-20T10:00:00Z&x=")
                                    .replace("&x=T00:00:00Z", ""))
                            .body())
                    .contains("\"data\":[]");
            assertThat(fake.contractViolations()).isEmpty();
        }
    }

    @Test
    void a_meter_query_the_spec_does_not_allow_is_recorded_as_a_violation() throws Exception {
        assumeTrue(OpenApiContract.load(OpenApiContract.Spec.V1).isPresent(), "contracts absent");
        try (FakeOpenMeter fake = FakeOpenMeter.start().defineReferenceMeters()) {
            get(fake.v1BaseUrl() + "/api/v1/meters/fee_wei/query?windowSize=FORTNIGHT");
            assertThat(fake.contractViolations()).anySatisfy(v -> assertThat(v).contains("FORTNIGHT"));
        }
    }

    @Test
    void a_well_formed_batch_is_accepted_in_both_dialects() throws Exception {
        try (FakeOpenMeter fake = FakeOpenMeter.start()) {
            assertThat(post(fake.v1BaseUrl() + "/api/v1/events", "application/cloudevents-batch+json", GOOD))
                    .isEqualTo(204);
            assertThat(post(fake.konnectBaseUrl() + "/events", "application/cloudevents-batch+json", GOOD))
                    .isEqualTo(202);
            assertThat(fake.contractViolations()).isEmpty();
            assertThat(fake.acceptedEvents()).hasSize(2);
        }
    }

    @Test
    void refusing_everything_and_failing_poisoned_batches_last_until_accept_again() throws Exception {
        try (FakeOpenMeter fake = FakeOpenMeter.start()) {
            String url = fake.v1BaseUrl() + "/api/v1/events";
            String type = "application/cloudevents-batch+json";
            fake.refuseEverything(401, "token revoked");
            assertThat(post(url, type, GOOD)).isEqualTo(401);
            assertThat(post(url, type, GOOD)).isEqualTo(401);
            fake.acceptAgain().failBatchesContaining(e -> e.path("id").asText().equals("e1"), 500);
            assertThat(post(url, type, GOOD)).isEqualTo(500);
            assertThat(post(url, type, GOOD.replace("\"e1\"", "\"e2\""))).isEqualTo(204);
            fake.acceptAgain();
            assertThat(post(url, type, GOOD)).isEqualTo(204);
            assertThat(fake.acceptedIdCounts()).containsOnlyKeys("e1", "e2");
        }
    }

    @Test
    void a_charset_parameter_is_refused_by_v1_like_openmeter_does() throws Exception {
        try (FakeOpenMeter fake = FakeOpenMeter.start()) {
            assertThat(post(
                            fake.v1BaseUrl() + "/api/v1/events",
                            "application/cloudevents-batch+json; charset=UTF-8",
                            GOOD))
                    .isEqualTo(400);
            assertThat(fake.contractViolations()).anyMatch(v -> v.contains("compares Content-Type exactly"));
        }
    }

    @Test
    void an_event_without_subject_violates_the_openapi_contract_when_the_specs_are_present() throws Exception {
        assumeTrue(OpenApiContract.contractsDir().isPresent(), "../shared/contracts is not here");
        try (FakeOpenMeter fake = FakeOpenMeter.start()) {
            post(
                    fake.v1BaseUrl() + "/api/v1/events",
                    "application/cloudevents-batch+json",
                    GOOD.replace("\"subject\":\"c:u\",", ""));
            post(
                    fake.konnectBaseUrl() + "/events",
                    "application/cloudevents-batch+json",
                    GOOD.replace("\"subject\":\"c:u\",", ""));
            assertThat(fake.contractViolations()).anyMatch(v -> v.startsWith("V1") && v.contains("subject"));
            assertThat(fake.contractViolations()).anyMatch(v -> v.startsWith("V3") && v.contains("subject"));
        }
    }
}
