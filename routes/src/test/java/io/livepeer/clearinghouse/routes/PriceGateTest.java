package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.metering.SignerEventsRoute;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;

/** No price, no metering: the route waits, visibly, and starts at the oracle's price once it answers. */
class PriceGateTest extends PipelineTestSupport {

    @Test
    void metering_waits_for_the_first_oracle_price_and_records_it_on_each_event() throws Exception {
        AtomicReference<String> answer = new AtomicReference<>(null);
        HttpServer oracle = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        oracle.createContext("/spot", exchange -> {
            String body = answer.get();
            byte[] bytes = (body == null ? "{\"error\":\"unavailable\"}" : body).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body == null ? 503 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        oracle.start();
        closeables.add(() -> oracle.stop(0));
        String apiKey = "cg-secret-" + UUID.randomUUID();
        String oracleUrl = "http://127.0.0.1:" + oracle.getAddress().getPort() + "/spot?x_cg_demo_api_key=" + apiKey;

        Stage stage = stage(TestDatabases.h2(), 1);
        FakeOpenMeter openMeter = openMeter();
        ClearinghouseApp app = start(
                stage,
                openMeter.v1BaseUrl(),
                Map.of(
                        "clearinghouse.price.static", "",
                        "clearinghouse.price.oracle-url", oracleUrl,
                        "clearinghouse.price.oracle-retry", "100ms"));
        String id = UUID.randomUUID().toString();
        kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000000000000000", "fixed"));

        eventually().until(() -> app.services().price().lastError() != null);
        assertThat(app.context().getRouteController().getRouteStatus(SignerEventsRoute.ROUTE_ID))
                .isEqualTo(ServiceStatus.Stopped);
        JsonNode health = Json.mapper()
                .readTree(get(stage.managementPort(), "/observe/health").body());
        assertThat(health.path("status").asText()).isEqualTo("DOWN");
        JsonNode priceCheck = check(health, "price");
        assertThat(priceCheck.path("status").asText()).isEqualTo("DOWN");
        assertThat(priceCheck.path("message").asText())
                .contains("no ETH-USD price yet")
                .contains("127.0.0.1")
                .contains("HTTP 503");
        assertThat(app.services().metrics().consumedCount()).isZero();

        answer.set("{\"data\":{\"base\":\"ETH\",\"currency\":\"USD\",\"amount\":\"3100.5\"}}");
        eventually().until(() -> openMeter.acceptedEvents().size() == 1);
        JsonNode data = openMeter.acceptedEvents().get(0).path("data");
        assertThat(data.path("eth_usd_price").decimalValue()).isEqualByComparingTo("3100.5");
        assertThat(data.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("3100500");
        assertThat(data.path("price_source").asText())
                .isEqualTo("oracle:" + "http://127.0.0.1:" + oracle.getAddress().getPort());
        eventually()
                .until(() -> "UP"
                        .equals(check(
                                        Json.mapper()
                                                .readTree(get(stage.managementPort(), "/observe/health")
                                                        .body()),
                                        "price")
                                .path("status")
                                .asText()));

        // the oracle URL carries an API key: it must never reach the logs
        assertThat(Files.readString(Path.of("target/test-app.log"))).doesNotContain(apiKey);
    }

    static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no health check " + name + " in " + health);
    }
}
