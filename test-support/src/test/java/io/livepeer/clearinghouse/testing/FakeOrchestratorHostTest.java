package io.livepeer.clearinghouse.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FakeOrchestratorHostTest {

    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final ObjectMapper JSON = new ObjectMapper();

    static HttpResponse<String> get(String url) throws Exception {
        return get(url, Duration.ofSeconds(5));
    }

    static HttpResponse<String> get(String url, Duration timeout) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void serves_the_backend_health_payload_and_counts_services_down() throws Exception {
        try (FakeOrchestratorHost host = FakeOrchestratorHost.start()) {
            JsonNode up = JSON.readTree(get(host.healthUrl()).body());
            assertThat(up.at("/summary/services_up").asInt()).isEqualTo(3);
            assertThat(up.at("/summary/total_services").asInt()).isEqualTo(3);
            assertThat(up.at("/summary/eligible_for_payment").asBoolean()).isTrue();
            assertThat(up.at("/services/vtuber-turn-server/running").asBoolean())
                    .isTrue();
            host.allDown();
            JsonNode down = JSON.readTree(get(host.healthUrl()).body());
            assertThat(down.at("/summary/services_up").asInt()).isZero();
            assertThat(down.at("/summary/eligible_for_payment").asBoolean()).isFalse();
            assertThat(host.requests("GET", "/health")).hasSize(2);
        }
    }

    @Test
    void power_reads_and_changes_state_and_refuses_an_unknown_action() throws Exception {
        try (FakeOrchestratorHost host = FakeOrchestratorHost.start()) {
            assertThat(get(host.baseUrl() + "/power").body()).contains("\"awake\"");
            var slept = post(host.baseUrl() + "/power", "{\"action\":\"sleep\",\"reason\":\"payments_autosleep\"}");
            assertThat(slept.statusCode()).isEqualTo(200);
            assertThat(host.powerState()).isEqualTo("asleep");
            assertThat(post(host.baseUrl() + "/power", "{\"action\":\"nap\"}").statusCode())
                    .isEqualTo(400);
            assertThat(host.requests("POST", "/power").get(0).body()).contains("payments_autosleep");
        }
    }

    @Test
    void scripted_failures_and_hangs_until_healed() throws Exception {
        try (FakeOrchestratorHost host = FakeOrchestratorHost.start()) {
            host.failWith("/health", 503);
            assertThat(get(host.healthUrl()).statusCode()).isEqualTo(503);
            host.heal("/health").hang("/power");
            assertThatThrownBy(() -> get(host.baseUrl() + "/power", Duration.ofMillis(300)))
                    .isInstanceOf(HttpTimeoutException.class);
            host.heal("/power");
            assertThat(get(host.baseUrl() + "/power").statusCode()).isEqualTo(200);
        }
    }
}
