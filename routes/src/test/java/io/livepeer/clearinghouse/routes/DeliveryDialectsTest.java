package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.routes.delivery.OpenMeterEndpoint;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Both OpenMeter dialects, the bearer token, and the token's absence from logs. */
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
        ClearinghouseApp app = start(stage, konnect.konnectBaseUrl(), Map.of("clearinghouse.openmeter.token",
                "kpat_wrong"));
        String id = UUID.randomUUID().toString();
        kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000", "live"));

        eventually().until(() -> app.services().delivery().status().lastError() != null);
        assertThat(app.services().delivery().status().lastError()).contains("HTTP 401").contains("OPENMETER_API_KEY");
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
        eventually().until(() -> openMeter.acceptedEvents().size() == 1);
        assertThat(openMeter.requests()).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/api/v3/openmeter/events");
            assertThat(r.header("Authorization")).isEmpty();
        });
        assertThat(openMeter.contractViolations()).isEmpty();
    }

    @Test
    void the_base_url_decides_the_dialect_and_path() {
        assertThat(OpenMeterEndpoint.of("https://us.api.konghq.com/v3/openmeter"))
                .isEqualTo(new OpenMeterEndpoint("https://us.api.konghq.com/v3/openmeter/events",
                        OpenMeterEndpoint.Dialect.V3));
        assertThat(OpenMeterEndpoint.of("https://eu.api.konghq.com/v3/openmeter/events").dialect())
                .isEqualTo(OpenMeterEndpoint.Dialect.V3);
        assertThat(OpenMeterEndpoint.of("http://openmeter:8888/"))
                .isEqualTo(new OpenMeterEndpoint("http://openmeter:8888/api/v1/events", OpenMeterEndpoint.Dialect.V1));
        assertThat(OpenMeterEndpoint.of("http://openmeter:8888/api/v1/events").ingestUrl())
                .isEqualTo("http://openmeter:8888/api/v1/events");
        assertThat(OpenMeterEndpoint.of("http://openmeter:8888/api/v3/openmeter").ingestUrl())
                .isEqualTo("http://openmeter:8888/api/v3/openmeter/events");
    }
}
