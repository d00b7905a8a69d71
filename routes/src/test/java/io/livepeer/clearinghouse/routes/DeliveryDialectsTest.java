package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.Transport;
import io.livepeer.clearinghouse.routes.delivery.DeliveryClient;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.OpenMeterUrlForms;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Both OpenMeter dialects, every documented URL form, the bearer token, and the token's absence from logs. */
class DeliveryDialectsTest extends PipelineTestSupport {

    @Test
    void konnect_urls_post_to_v3_events_with_the_bearer_token_which_never_reaches_the_logs() throws Exception {
        String token = "kpat_" + UUID.randomUUID().toString().replace("-", "");
        FakeOpenMeter konnect = openMeter().requireToken(token);
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, konnect.konnectBaseUrl(), Map.of("clearinghouse.openmeter.token", token));

        List<String> ids = validIds(5);
        for (String id : ids) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000", "live"));
        }
        eventually().until(() -> konnect.acceptedIdCounts().size() == 5);

        assertThat(konnect.requests()).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/v3/openmeter/events");
            assertThat(r.status()).isEqualTo(202);
            assertThat(r.header("Authorization")).contains("Bearer " + token);
        });
        assertThat(konnect.contractViolations()).isEmpty();
        assertThat(app.services().delivery().status().target()).contains("(v3)");
        assertThat(Files.readString(Path.of("target/test-app.log"))).doesNotContain(token);
    }

    @Test
    void a_wrong_token_keeps_events_pending_and_says_why() throws Exception {
        FakeOpenMeter konnect = openMeter().requireToken("kpat_right");
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app =
                start(stage, konnect.konnectBaseUrl(), Map.of("clearinghouse.openmeter.token", "kpat_wrong"));
        String id = UUID.randomUUID().toString();
        kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000", "live"));

        eventually().until(() -> app.services().delivery().status().lastError() != null);
        assertThat(app.services().delivery().status().lastError())
                .contains("HTTP 401")
                .contains("OPENMETER_API_KEY");
        assertThat(app.services().outbox().pendingCount()).isEqualTo(1);
        assertThat(konnect.acceptedEvents()).isEmpty();
    }

    @Test
    void self_hosted_v3_base_urls_post_to_api_v3_openmeter_events() throws Exception {
        FakeOpenMeter openMeter = openMeter();
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, openMeter.v3BaseUrl() + "/", Map.of());
        String id = UUID.randomUUID().toString();
        kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000", "live"));
        // the fake records a request just after accepting its events: wait for both
        eventually()
                .until(() -> openMeter.acceptedEvents().size() == 1
                        && !openMeter.requests().isEmpty());
        assertThat(openMeter.requests()).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/api/v3/openmeter/events");
            assertThat(r.header("Authorization")).isEmpty();
        });
        assertThat(openMeter.contractViolations()).isEmpty();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({"/api/v1/, /api/v1/events", "/v3, /v3/openmeter/events"})
    void the_urls_delivery_used_to_double_up_now_post_where_the_bootstrap_provisions(String suffix, String path)
            throws Exception {
        FakeOpenMeter openMeter = openMeter();
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, openMeter.v1BaseUrl() + suffix, Map.of());
        String id = UUID.randomUUID().toString();
        kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000", "live"));
        // the fake records a request just after accepting its events: wait for both
        eventually()
                .until(() -> openMeter.acceptedEvents().size() == 1
                        && !openMeter.requests().isEmpty());
        assertThat(openMeter.requests())
                .singleElement()
                .satisfies(r -> assertThat(r.path()).isEqualTo(path));
        assertThat(openMeter.contractViolations()).isEmpty();
    }

    static List<OpenMeterUrlForms.Form> documentedForms() {
        return OpenMeterUrlForms.withSuffixes();
    }

    /**
     * Every form of the documentation's table, through delivery's client factory (the one the configuration wires),
     * up to the request it sends; {@code metering-bootstrap}'s {@code CatalogUrlFormsTest} checks the same table
     * through the bootstrap's catalog API.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedForms")
    void every_documented_url_form_delivers_to_its_ingest_url(OpenMeterUrlForms.Form form) throws Exception {
        List<HttpRequest> sent = new ArrayList<>();
        OpenMeterClient client = DeliveryClient.open(form.url(), Optional.of("tok"), Duration.ofSeconds(5), request -> {
            sent.add(request);
            return new Transport.Reply(202, HttpHeaders.of(Map.of(), (k, v) -> true), "");
        });

        assertThat(client.ingest("[]".getBytes(StandardCharsets.UTF_8)).ok()).isTrue();
        assertThat(sent).singleElement().satisfies(request -> {
            assertThat(request.uri()).hasToString(form.ingestUrl());
            assertThat(request.headers().allValues("Content-Type"))
                    .containsExactly("application/cloudevents-batch+json");
        });
        assertThat(client.dialect().label()).isEqualTo(form.dialect());
        assertThat(client.url().apiRoot()).isEqualTo(form.apiRoot());
    }

    @Test
    void a_url_that_is_no_accepted_form_fails_naming_the_key() {
        assertThatThrownBy(() -> DeliveryClient.open(
                        "http://openmeter:8888/api/v1?debug=1", Optional.empty(), Duration.ofSeconds(1)))
                .hasMessageStartingWith("clearinghouse.openmeter.url (OPENMETER_URL): ");
    }
}
