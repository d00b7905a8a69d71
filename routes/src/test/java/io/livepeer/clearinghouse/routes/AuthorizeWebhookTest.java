package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestIssuer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The /authorize webhook over HTTP with bodies shaped exactly as go-livepeer's remote signer sends them
 * ({@code server/remote_signer.go}: the gateway's headers as a map of arrays, the payment state with Go names).
 */
class AuthorizeWebhookTest extends PipelineTestSupport {

    static String body(String customerCredential, String stateAuthId) {
        return "{\"headers\":{\"Accept-Encoding\":[\"gzip\"],\"Content-Type\":[\"application/json\"],"
                + (customerCredential == null ? "" : "\"Authorization\":[\"Bearer " + customerCredential + "\"],")
                + "\"Signer-Auth-Id\":[\"spoofed:mallory\"],\"User-Agent\":[\"Go-http-client/1.1\"]},"
                + "\"state\":{\"StateID\":\"9f8e7d6c\",\"PMSessionID\":\"0x5f3c8a9d\","
                + "\"LastUpdate\":\"2026-08-20T10:00:00.123456789Z\",\"OrchestratorAddress\":"
                + "\"0x1F2d3c4B5a69788796A5b4C3d2e1F0A9b8C7d6e5\",\"App\":\"livepeer-echo-stream\",\"AuthExpiry\":0,"
                + "\"SenderNonce\":7,\"Balance\":\"6000/7\",\"InitialPricePerUnit\":1200,\"InitialPixelsPerUnit\":1,"
                + "\"Type\":\"live\",\"SequenceNumber\":3,\"AuthID\":\"" + stateAuthId + "\"}}";
    }

    HttpResponse<String> call(Stage stage, Map<String, String> callerHeaders, String body) throws Exception {
        return request(stage.httpPort(), "POST", "/authorize", null, body, callerHeaders);
    }

    HttpResponse<String> authorize(Stage stage, String credential, String stateAuthId) throws Exception {
        return call(stage, Map.of("Authorization", "Bearer " + WEBHOOK_SECRET), body(credential, stateAuthId));
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }

    String createKey(Stage stage, String client, String subject, String extra) throws Exception {
        HttpResponse<String> created = request(
                stage.httpPort(),
                "POST",
                "/api/keys",
                ADMIN_TOKEN,
                "{\"client_id\":\"" + client + "\",\"usage_subject\":\"" + subject + "\"" + extra + "}",
                Map.of());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).path("key").asText() + "|"
                + json(created).path("id").asText();
    }

    void grant(Stage stage, String customer, String micros) throws Exception {
        assertThat(request(
                                stage.httpPort(),
                                "POST",
                                "/api/ledger/grants",
                                ADMIN_TOKEN,
                                "{\"customer\":\"" + customer + "\",\"amount_usd_micros\":\"" + micros + "\"}",
                                Map.of(
                                        "Idempotency-Key",
                                        java.util.UUID.randomUUID().toString()))
                        .statusCode())
                .isEqualTo(201);
    }

    @Test
    void the_webhook_secret_in_the_query_string_does_not_authenticate() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of());
        String secret = java.net.URLEncoder.encode(WEBHOOK_SECRET, java.nio.charset.StandardCharsets.UTF_8);
        for (String query :
                List.of("X-Webhook-Secret=" + secret, "X-Api-Key=" + secret, "Authorization=Bearer%20" + secret)) {
            HttpResponse<String> r =
                    request(stage.httpPort(), "POST", "/authorize?" + query, null, body("sk_live_x", ""), Map.of());
            assertThat(r.statusCode()).as(query).isEqualTo(401);
        }
    }

    @Test
    void the_signer_must_present_the_webhook_secret_and_a_well_formed_body() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of());
        HttpResponse<String> none = call(stage, Map.of(), body("k", ""));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none).path("status").asInt()).isEqualTo(401);
        assertThat(json(none).path("reason").asText()).isEqualTo("unauthorized webhook caller");
        assertThat(call(stage, Map.of("Authorization", "Bearer wrong"), body("k", ""))
                        .statusCode())
                .isEqualTo(401);
        assertThat(call(stage, Map.of("X-Api-Key", WEBHOOK_SECRET), body("k", ""))
                        .statusCode())
                .isEqualTo(200);
        assertThat(call(stage, Map.of("X-Webhook-Secret", WEBHOOK_SECRET), body("k", ""))
                        .statusCode())
                .isEqualTo(200);

        Map<String, String> signer = Map.of("Authorization", "Bearer " + WEBHOOK_SECRET);
        HttpResponse<String> notJson = call(stage, signer, "this is not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("reason").asText()).isEqualTo("body is not JSON");
        assertThat(call(stage, signer, "{\"headers\":[\"Authorization\"]}").statusCode())
                .isEqualTo(400);
        assertThat(call(stage, signer, "{\"headers\":{},\"pad\":\"" + "x".repeat(70_000) + "\"}")
                        .statusCode())
                .isEqualTo(413);
    }

    @Test
    void every_decision_is_http_200_with_the_status_for_the_gateway() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of());

        // no customer credential in the gateway's headers
        JsonNode missing = json(authorize(stage, null, ""));
        assertThat(missing.path("status").asInt()).isEqualTo(401);
        assertThat(missing.path("code").asText()).isEqualTo("missing_credential");
        assertThat(json(authorize(stage, "sk_live_unknown", "")).path("status").asInt())
                .isEqualTo(401);

        String[] alice = createKey(stage, "acme", "alice", ",\"max_price\":{\"price\":1300,\"unit\":\"seconds\"}")
                .split("\\|");
        // known key, no credit yet
        HttpResponse<String> broke = authorize(stage, alice[0], "");
        assertThat(broke.statusCode()).isEqualTo(200);
        assertThat(json(broke).path("status").asInt()).isEqualTo(483);
        assertThat(json(broke).path("code").asText()).isEqualTo("insufficient_balance");

        grant(stage, "acme:alice", "5000000");
        long before = Instant.now().getEpochSecond();
        JsonNode allowed = json(authorize(stage, alice[0], ""));
        assertThat(allowed.path("status").asInt()).isEqualTo(200);
        assertThat(allowed.path("auth_id").asText()).isEqualTo("acme:alice"); // not the spoofed Signer-Auth-Id
        assertThat(allowed.path("expiry").asLong())
                .isBetween(before + 59, Instant.now().getEpochSecond() + 60);
        assertThat(allowed.path("maxPrice").toString())
                .isEqualTo("{\"price\":1300,\"currency\":\"wei\"," + "\"unit\":\"seconds\"}");

        // the session is already bound to someone else
        JsonNode mismatch = json(authorize(stage, alice[0], "acme:bob"));
        assertThat(mismatch.path("status").asInt()).isEqualTo(403);
        assertThat(mismatch.path("code").asText()).isEqualTo("auth_id_mismatch");
        assertThat(json(authorize(stage, alice[0], "acme:alice")).path("status").asInt())
                .isEqualTo(200);

        // revoked, then expired keys
        String[] bob = createKey(stage, "acme", "bob", "").split("\\|");
        grant(stage, "acme:bob", "1");
        assertThat(json(authorize(stage, bob[0], "")).path("status").asInt()).isEqualTo(200);
        assertThat(request(stage.httpPort(), "POST", "/api/keys/" + bob[1] + "/revoke", ADMIN_TOKEN, null, Map.of())
                        .statusCode())
                .isEqualTo(200);
        JsonNode revoked = json(authorize(stage, bob[0], ""));
        assertThat(revoked.path("status").asInt()).isEqualTo(403);
        assertThat(revoked.path("code").asText()).isEqualTo("credential_revoked");

        String[] carol = createKey(stage, "acme", "carol", ",\"expires_at\":\"2099-01-01T00:00:00Z\"")
                .split("\\|");
        grant(stage, "acme:carol", "1");
        assertThat(request(stage.httpPort(), "POST", "/api/keys/" + carol[1] + "/expire", ADMIN_TOKEN, "{}", Map.of())
                        .statusCode())
                .isEqualTo(200);
        JsonNode expired = json(authorize(stage, carol[0], ""));
        assertThat(expired.path("status").asInt()).isEqualTo(401);
        assertThat(expired.path("code").asText()).isEqualTo("credential_expired");

        var metrics = app.services().bridge().metrics();
        assertThat(metrics.decisions(200)).isEqualTo(3);
        assertThat(metrics.decisions(483)).isEqualTo(1);
        assertThat(get(stage.managementPort(), "/observe/metrics").body())
                .contains("clearinghouse_authorize_decisions_total{status=\"403\"} 2.0")
                .contains("clearinghouse_authorize_seconds_bucket");
    }

    @Test
    void authorize_exchanges_keep_their_route_metrics_but_skip_the_exchange_event_notifier() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        for (int n = 0; n < 3; n++) {
            assertThat(json(authorize(stage, null, "")).path("status").asInt()).isEqualTo(401);
        }
        // the notifier searches the whole meter registry on every exchange's completion: /authorize is left out
        var notifiers = app.context().getManagementStrategy().getEventNotifiers().stream()
                .filter(n -> n
                        instanceof org.apache.camel.component.micrometer.eventnotifier.MicrometerExchangeEventNotifier)
                .map(n -> (org.apache.camel.component.micrometer.eventnotifier.MicrometerExchangeEventNotifier) n)
                .toList();
        assertThat(notifiers)
                .as("the metrics configuration's exchange event notifier")
                .hasSize(1);
        var authorizeExchange = new org.apache.camel.support.DefaultExchange(app.context());
        authorizeExchange.getExchangeExtension().setFromRouteId("authorize");
        var otherExchange = new org.apache.camel.support.DefaultExchange(app.context());
        otherExchange.getExchangeExtension().setFromRouteId("signer-events");
        assertThat(notifiers.get(0).getIgnoreExchanges().test(authorizeExchange))
                .isTrue();
        assertThat(notifiers.get(0).getIgnoreExchanges().test(otherExchange))
                .as("other routes keep it")
                .isFalse();
        // what the dashboards and alerts read comes from the route policy, and is still there for /authorize
        String metrics = get(stage.managementPort(), "/observe/metrics").body();
        assertThat(metrics.lines()
                        .filter(l -> l.startsWith("camel_exchanges_total{")
                                && l.contains("routeId=\"authorize\"")
                                && l.contains("eventType=\"route\""))
                        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))))
                .as(metrics)
                .containsExactly(3.0);
        assertThat(metrics).contains("camel_exchanges_failed_total{");
    }

    @Test
    void a_json_body_sent_as_a_form_is_refused_never_misread() throws Exception {
        // curl -d without a content type sends application/x-www-form-urlencoded: the server parses it as a form
        // and the JSON is lost, so an optional body (expire "at") would silently mean "now"
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of());
        Map<String, String> form = Map.of("Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<String> create = request(
                stage.httpPort(),
                "POST",
                "/api/keys",
                ADMIN_TOKEN,
                "{\"client_id\":\"acme\",\"usage_subject\":\"fay\"}",
                form);
        assertThat(create.statusCode()).isEqualTo(415);
        assertThat(json(create).path("detail").asText()).contains("Content-Type: application/json");
        assertThat(json(create).path("errors").get(0).path("field").asText()).isEqualTo("Content-Type");

        String[] fay = createKey(stage, "acme", "fay", "").split("\\|");
        HttpResponse<String> expire = request(
                stage.httpPort(),
                "POST",
                "/api/keys/" + fay[1] + "/expire",
                ADMIN_TOKEN,
                "{\"at\":\"2099-12-31T00:00:00Z\"}",
                form);
        assertThat(expire.statusCode()).isEqualTo(415);
        HttpResponse<String> list = request(stage.httpPort(), "GET", "/api/keys", ADMIN_TOKEN, null, Map.of());
        assertThat(json(list).path("keys").get(0).path("state").asText()).isEqualTo("active");

        Map<String, String> signer = new java.util.HashMap<>(form);
        signer.put("Authorization", "Bearer " + WEBHOOK_SECRET);
        HttpResponse<String> decision = call(stage, signer, body(fay[0], ""));
        assertThat(decision.statusCode()).isEqualTo(400);
        assertThat(json(decision).path("reason").asText()).isEqualTo("Content-Type must be application/json");
    }

    @Test
    void api_keys_page_newest_first_with_limit_and_cursor() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of());
        for (String user : List.of("u1", "u2", "u3")) {
            createKey(stage, "paging", user, "");
        }
        JsonNode first = json(
                request(stage.httpPort(), "GET", "/api/keys?client_id=paging&limit=2", ADMIN_TOKEN, null, Map.of()));
        assertThat(first.path("keys").findValuesAsText("usage_subject")).hasSize(2);
        JsonNode second = json(request(
                stage.httpPort(),
                "GET",
                "/api/keys?client_id=paging&limit=2&cursor="
                        + first.path("next_cursor").asText(),
                ADMIN_TOKEN,
                null,
                Map.of()));
        assertThat(second.path("keys").findValuesAsText("usage_subject")).hasSize(1);
        assertThat(second.path("next_cursor").isNull()).isTrue();
        List<String> all = new java.util.ArrayList<>(first.path("keys").findValuesAsText("usage_subject"));
        all.addAll(second.path("keys").findValuesAsText("usage_subject"));
        assertThat(all).containsExactlyInAnyOrder("u1", "u2", "u3");
        assertThat(request(stage.httpPort(), "GET", "/api/keys?page=2", ADMIN_TOKEN, null, Map.of())
                        .statusCode())
                .isEqualTo(400);
    }

    @Test
    void an_unreadable_ledger_is_503_billing_unavailable_never_an_allow() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        String key = createKey(stage, "acme", "dora", "").split("\\|")[0];
        grant(stage, "acme:dora", "100");
        assertThat(json(authorize(stage, key, "")).path("status").asInt()).isEqualTo(200); // key now cached

        app.services().database().close(); // the database goes away
        HttpResponse<String> response = authorize(stage, key, "");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("status").asInt()).isEqualTo(503);
        assertThat(json(response).path("code").asText()).isEqualTo("billing_unavailable");
        assertThat(json(response).has("auth_id")).isFalse();
        assertThat(json(authorize(stage, "sk_live_never_seen", ""))
                        .path("status")
                        .asInt())
                .isEqualTo(503);
    }

    @Test
    void in_oidc_mode_jwts_are_checked_against_the_issuer_jwks() throws Exception {
        try (TestIssuer issuer = TestIssuer.start()) {
            Stage stage = stage(TestDatabases.h2(), 1);
            start(
                    stage,
                    null,
                    Map.of(
                            "clearinghouse.bridge.auth-mode",
                            "oidc",
                            "clearinghouse.bridge.oidc.issuer",
                            issuer.issuer(),
                            "clearinghouse.bridge.oidc.audience",
                            "livepeer-gateway",
                            "clearinghouse.bridge.oidc.jwks-uri",
                            issuer.jwksUri(),
                            "clearinghouse.bridge.oidc.required-scopes",
                            "sign:tickets"));
            grant(stage, "daydream:user-7", "100");
            String good = issuer.token(
                    "livepeer-gateway", "daydream", "user-7", Duration.ofSeconds(30), Map.of("scope", "sign:tickets"));
            JsonNode allowed = json(authorize(stage, good, ""));
            assertThat(allowed.path("status").asInt()).isEqualTo(200);
            assertThat(allowed.path("auth_id").asText()).isEqualTo("daydream:user-7");
            assertThat(allowed.path("expiry").asLong())
                    .isLessThanOrEqualTo(Instant.now().getEpochSecond() + 30);

            assertThat(json(authorize(stage, issuer.forgedToken("livepeer-gateway", "daydream", "user-7"), ""))
                            .path("status")
                            .asInt())
                    .isEqualTo(401);
            assertThat(json(authorize(
                                    stage,
                                    issuer.token(
                                            "another-audience",
                                            "daydream",
                                            "user-7",
                                            Duration.ofSeconds(30),
                                            Map.of("scope", "sign:tickets")),
                                    ""))
                            .path("reason")
                            .asText())
                    .contains("audience");
            assertThat(json(authorize(
                                    stage,
                                    issuer.token(
                                            "livepeer-gateway",
                                            "daydream",
                                            "user-7",
                                            Duration.ofSeconds(-120),
                                            Map.of("scope", "sign:tickets")),
                                    ""))
                            .path("reason")
                            .asText())
                    .contains("Expired JWT");
            assertThat(json(authorize(
                                    stage,
                                    issuer.token(
                                            "livepeer-gateway", "daydream", "user-7", Duration.ofSeconds(30), Map.of()),
                                    ""))
                            .path("status")
                            .asInt())
                    .isEqualTo(403);
        }
    }

    @Test
    void a_customer_is_allowed_until_metered_usage_spends_the_credit() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        grant(stage, "acme:erin", "5000000"); // $5
        String key = createKey(stage, "acme", "erin", "").split("\\|")[0];
        JsonNode allowed = json(authorize(stage, key, ""));
        assertThat(allowed.path("status").asInt()).isEqualTo(200);
        String authId = allowed.path("auth_id").asText();

        // the signer stamps that auth_id into its events; each costs 3,450,000 billable micros (lv2v, +15%)
        List<String> ids = validIds(2);
        kafka.send(
                stage.topic(), ids.get(0), signedTicket(ids.get(0), authId, "1000000000000000", "live-video-to-video"));
        eventually().until(() -> app.services().metrics().meteredCount() == 1);
        JsonNode second = json(authorize(stage, key, authId));
        assertThat(second.path("status").asInt()).as(second.toString()).isEqualTo(200); // 1,550,000 left

        kafka.send(
                stage.topic(), ids.get(1), signedTicket(ids.get(1), authId, "1000000000000000", "live-video-to-video"));
        eventually().until(() -> app.services().metrics().meteredCount() == 2);
        JsonNode spent = json(authorize(stage, key, authId));
        assertThat(spent.path("status").asInt()).isEqualTo(483);
        assertThat(spent.path("reason").asText()).contains("acme:erin").contains("-1900000");
    }

    @Test
    void the_signer_probe_records_the_signer_address_for_health_and_metrics() throws Exception {
        HttpServer signer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        signer.createContext("/sign-orchestrator-info", exchange -> {
            byte[] body = ("{\"address\":\"0x9c2D9A7A5c3F1A16b0C1bC3f3E4e5a0d5e5F0001\",\"signature\":\"0xabc\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders("POST".equals(exchange.getRequestMethod()) ? 200 : 405, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        signer.start();
        closeables.add(() -> signer.stop(0));
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(
                stage,
                null,
                Map.of(
                        "clearinghouse.bridge.signer-url",
                        "http://127.0.0.1:" + signer.getAddress().getPort(),
                        "clearinghouse.bridge.signer-probe-interval",
                        "200ms"));
        eventually().until(() -> app.services().bridge().signer().up());
        assertThat(app.services().bridge().signer().address()).isEqualTo("0x9c2D9A7A5c3F1A16b0C1bC3f3E4e5a0d5e5F0001");
        JsonNode check = PriceGateTest.check(
                Json.mapper()
                        .readTree(get(stage.managementPort(), "/observe/health").body()),
                "remote-signer");
        assertThat(check.path("message").asText()).contains("0x9c2D9A7A5c3F1A16b0C1bC3f3E4e5a0d5e5F0001 answers");
        assertThat(get(stage.managementPort(), "/observe/metrics").body()).contains("clearinghouse_signer_up 1.0");

        signer.stop(0);
        eventually().until(() -> !app.services().bridge().signer().up());
        assertThat(app.services().bridge().signer().lastError()).isNotBlank();
    }
}
