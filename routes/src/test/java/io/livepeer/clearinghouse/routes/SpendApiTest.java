package io.livepeer.clearinghouse.routes;

import static io.livepeer.clearinghouse.routes.AuthorizeWebhookTest.body;
import static io.livepeer.clearinghouse.routes.AuthorizeWebhookTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The spend control API over HTTP on a full boot: the kill switch (pause, list, resume, audit), a customer's position
 * as /authorize sees it, holds, and overdraft limits; bad input is a 400 naming the field and changes nothing.
 */
class SpendApiTest extends PipelineTestSupport {

    HttpResponse<String> admin(Stage stage, String method, String path, String body) throws Exception {
        return request(stage.httpPort(), method, path, ADMIN_TOKEN, body, Map.of());
    }

    HttpResponse<String> authorize(Stage stage, String key) throws Exception {
        return request(
                stage.httpPort(),
                "POST",
                "/authorize",
                null,
                body(key, ""),
                Map.of("Authorization", "Bearer " + WEBHOOK_SECRET));
    }

    @Test
    void an_operator_pauses_a_customer_sees_the_hold_and_sets_an_overdraft_over_the_api() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of());
        String key = created(admin(stage, "POST", "/api/keys", "{\"client_id\":\"acme\",\"usage_subject\":\"pat\"}"));
        assertThat(request(
                                stage.httpPort(),
                                "POST",
                                "/api/ledger/grants",
                                ADMIN_TOKEN,
                                "{\"customer\":\"acme:pat\",\"amount_usd_micros\":\"5000000\"}",
                                Map.of("Idempotency-Key", "grant-pat"))
                        .statusCode())
                .isEqualTo(201);

        // allowed: a hold for the next payment, visible with the customer's position
        assertThat(json(authorize(stage, key)).path("status").asInt()).isEqualTo(200);
        JsonNode holds = json(request(
                stage.httpPort(), "GET", "/api/spend/holds?customer_key=acme:pat", VIEWER_TOKEN, null, Map.of()));
        // the payment's hold, and the budget lease (on by default) that the first reservation took in the same
        // transaction (docs/spend-control.md#budget-leases): both open, both counted as held
        assertThat(holds.path("holds")).hasSize(2);
        JsonNode payment = null;
        JsonNode lease = null;
        for (JsonNode h : holds.path("holds")) {
            if (h.path("payment_type").asText().equals("lease")) {
                lease = h;
            } else {
                payment = h;
            }
        }
        assertThat(payment).isNotNull();
        assertThat(lease).isNotNull();
        assertThat(payment.path("session_id").asText()).isEqualTo("9f8e7d6c");
        assertThat(payment.path("status").asText()).isEqualTo("open");
        assertThat(lease.path("session_id").asText()).startsWith("lease:");
        assertThat(lease.path("status").asText()).isEqualTo("open");
        JsonNode position = json(request(
                stage.httpPort(), "GET", "/api/spend/customer?customer_key=acme:pat", VIEWER_TOKEN, null, Map.of()));
        assertThat(position.path("balance_usd_micros").asText()).isEqualTo("5000000");
        assertThat(new BigDecimal(position.path("held_usd_micros").asText()))
                .isEqualByComparingTo(new BigDecimal(
                                payment.path("remaining_usd_micros").asText())
                        .add(new BigDecimal(lease.path("remaining_usd_micros").asText())));
        assertThat(position.path("overdraft_usd_micros").asText()).isEqualTo("0");

        // bad input names the field and pauses nothing
        HttpResponse<String> noReason =
                admin(stage, "POST", "/api/admin/pause", "{\"scope\":\"customer\"," + "\"target\":\"acme:pat\"}");
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("reason");
        HttpResponse<String> badScope =
                admin(stage, "POST", "/api/admin/pause", "{\"scope\":\"planet\"," + "\"reason\":\"x\"}");
        assertThat(badScope.statusCode()).isEqualTo(400);
        assertThat(badScope.body()).contains("scope");
        assertThat(request(
                                stage.httpPort(),
                                "POST",
                                "/api/admin/pause",
                                VIEWER_TOKEN,
                                "{\"scope\":\"all\"," + "\"reason\":\"x\"}",
                                Map.of())
                        .statusCode())
                .isEqualTo(403);
        assertThat(json(authorize(stage, key)).path("status").asInt()).isEqualTo(200);

        // the kill switch for this customer
        HttpResponse<String> paused = admin(
                stage,
                "POST",
                "/api/admin/pause",
                "{\"scope\":\"customer\",\"target\":\"acme:pat\",\"reason\":\"chargeback\",\"actor\":\"ops@example\"}");
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        JsonNode refused = json(authorize(stage, key));
        assertThat(refused.path("status").asInt()).isEqualTo(403);
        assertThat(refused.path("code").asText()).isEqualTo("signing_paused");
        assertThat(refused.path("reason").asText()).isEqualTo("signing is paused for customer acme:pat: chargeback");
        assertThat(json(request(stage.httpPort(), "GET", "/api/admin/pauses", VIEWER_TOKEN, null, Map.of()))
                        .path("pauses")
                        .get(0)
                        .path("paused_by")
                        .asText())
                .isEqualTo("ops@example");
        assertThat(admin(stage, "POST", "/api/admin/resume", "{\"scope\":\"customer\",\"target\":\"acme:pat\"}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(admin(stage, "POST", "/api/admin/resume", "{\"scope\":\"customer\",\"target\":\"acme:pat\"}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(json(authorize(stage, key)).path("status").asInt()).isEqualTo(200);

        // an overdraft limit of its own
        HttpResponse<String> overdraft = admin(
                stage,
                "PUT",
                "/api/admin/spend/overdraft",
                "{\"customer_key\":\"acme:pat\",\"overdraft_usd_micros\":\"2500000\",\"reason\":\"contract\"}");
        assertThat(overdraft.statusCode()).as(overdraft.body()).isEqualTo(200);
        assertThat(json(overdraft).path("overdraft_usd_micros").asText()).isEqualTo("2500000");
        assertThat(json(overdraft).path("own_overdraft").asBoolean()).isTrue();
        assertThat(admin(
                                stage,
                                "PUT",
                                "/api/admin/spend/overdraft",
                                "{\"customer_key\":\"acme:pat\",\"overdraft_usd_micros\":\"-5\"}")
                        .statusCode())
                .isEqualTo(400);

        JsonNode audit = json(request(stage.httpPort(), "GET", "/api/admin/spend-audit", VIEWER_TOKEN, null, Map.of()));
        assertThat(audit.path("entries").findValuesAsText("action")).containsExactly("OVERDRAFT", "RESUME", "PAUSE");
        assertThat(get(stage.managementPort(), "/observe/health").body()).contains("spend-control");
        assertThat(get(stage.managementPort(), "/observe/metrics").body())
                .contains("clearinghouse_spend_metering_lag_seconds");
    }

    @Test
    void customer_alerts_fire_on_the_periodic_route_reach_a_signed_webhook_and_are_listed_for_viewers()
            throws Exception {
        java.util.concurrent.ConcurrentLinkedQueue<String[]> received =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        com.sun.net.httpserver.HttpServer receiver =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", exchange -> {
            received.add(new String[] {
                new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
                exchange.getRequestHeaders().getFirst("X-Clearinghouse-Signature")
            });
            exchange.sendResponseHeaders(received.size() == 1 ? 500 : 204, -1); // the first attempt fails
            exchange.close();
        });
        receiver.start();
        try {
            Stage stage = stage(TestDatabases.h2(), 1);
            start(
                    stage,
                    null,
                    Map.of(
                            "clearinghouse.spend.alerts.balance-below-usd-micros", "1000000",
                            "clearinghouse.spend.alerts.webhook-url",
                                    "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts",
                            "clearinghouse.spend.alerts.secret", "alert-secret",
                            "clearinghouse.spend.alerts.interval", "200ms",
                            "clearinghouse.spend.alerts.delivery-interval", "100ms",
                            "clearinghouse.spend.alerts.retry-initial", "100ms"));
            assertThat(request(
                                    stage.httpPort(),
                                    "POST",
                                    "/api/ledger/grants",
                                    ADMIN_TOKEN,
                                    "{\"customer\":\"acme:low\",\"amount_usd_micros\":\"250000\"}",
                                    Map.of("Idempotency-Key", "grant-low"))
                            .statusCode())
                    .isEqualTo(201);
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> received.size() >= 2);
            for (String[] r : received) {
                assertThat(r[1])
                        .isEqualTo(
                                io.livepeer.clearinghouse.routes.spend.CustomerAlerts.signature("alert-secret", r[0]));
                assertThat(r[0]).contains("\"customer_key\":\"acme:low\"").contains("customer.balance_below");
            }
            JsonNode alerts = json(request(stage.httpPort(), "GET", "/api/alerts", VIEWER_TOKEN, null, Map.of()));
            assertThat(alerts.path("alerts")).hasSize(1);
            JsonNode alert = alerts.path("alerts").get(0);
            assertThat(alert.path("type").asText()).isEqualTo("balance_below");
            assertThat(alert.path("observed").asText()).isEqualTo("250000");
            assertThat(alert.path("active").asBoolean()).isTrue();
            assertThat(alert.path("delivery_status").asText()).isEqualTo("delivered");
            assertThat(alert.path("deliveries").findValuesAsText("outcome")).containsExactly("RETRY", "DELIVERED");
            assertThat(request(stage.httpPort(), "GET", "/api/alerts", null, null, Map.of())
                            .statusCode())
                    .isEqualTo(401);
            assertThat(request(stage.httpPort(), "GET", "/api/alerts?limit=0", VIEWER_TOKEN, null, Map.of())
                            .statusCode())
                    .isEqualTo(400);
        } finally {
            receiver.stop(0);
        }
    }

    static String created(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response).path("key").asText();
    }
}
