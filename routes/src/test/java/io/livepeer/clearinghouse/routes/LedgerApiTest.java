package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator API over HTTP: auth, validation, idempotent retries, paging, errors. */
class LedgerApiTest extends PipelineTestSupport {

    Stage stage;
    ClearinghouseApp app;

    @BeforeEach
    void startApp() throws Exception {
        stage = stage(TestDatabases.h2(), 1);
        app = start(stage, null, Map.of());
    }

    HttpResponse<String> post(String path, String token, String body, Map<String, String> headers) throws Exception {
        return request(stage.httpPort(), "POST", path, token, body, headers);
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        return request(stage.httpPort(), "GET", path, token, null, Map.of());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.mapper().readTree(response.body());
    }

    @Test
    void no_token_or_a_wrong_one_is_401_and_the_viewer_token_cannot_write() throws Exception {
        HttpResponse<String> none = get("/api/ledger/accounts", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"clearinghouse\"");
        assertThat(none.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(get("/api/ledger/accounts", "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/api/usage/summary", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/ledger/accounts", VIEWER_TOKEN).statusCode()).isEqualTo(200);

        HttpResponse<String> viewerWrite =
                post("/api/ledger/grants", VIEWER_TOKEN, "{\"customer\":\"c\",\"amount_usd_micros\":\"1\"}", Map.of());
        assertThat(viewerWrite.statusCode()).isEqualTo(403);
        assertThat(json(viewerWrite).path("detail").asText()).contains("needs the admin token");
        // the admin token also works as X-Admin-Token, and is never echoed back
        HttpResponse<String> viaHeader = request(
                stage.httpPort(), "GET", "/api/ledger/accounts", null, null, Map.of("X-Admin-Token", ADMIN_TOKEN));
        assertThat(viaHeader.statusCode()).isEqualTo(200);
        assertThat(viaHeader.headers().map().toString()).doesNotContain(ADMIN_TOKEN);
    }

    @Test
    void a_token_in_the_query_string_is_refused_because_urls_end_up_in_proxy_logs() throws Exception {
        String token = java.net.URLEncoder.encode(ADMIN_TOKEN, java.nio.charset.StandardCharsets.UTF_8);
        String bearer = java.net.URLEncoder.encode("Bearer " + ADMIN_TOKEN, java.nio.charset.StandardCharsets.UTF_8);
        for (String path : List.of(
                "/api/ledger/accounts?X-Admin-Token=" + token,
                "/api/ledger/accounts?x-admin-token=" + token,
                "/api/ledger/accounts?Authorization=" + bearer)) {
            HttpResponse<String> r = request(stage.httpPort(), "GET", path, null, null, Map.of());
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(json(r).path("detail").asText()).contains("headers only");
        }
    }

    @Test
    void without_any_token_configured_the_api_refuses_rather_than_opens() throws Exception {
        Stage other = stage(TestDatabases.h2(), 1);
        start(other, null, Map.of("clearinghouse.api.admin-token", "", "clearinghouse.api.viewer-token", ""));
        HttpResponse<String> refused = request(
                other.httpPort(),
                "POST",
                "/api/ledger/grants",
                "anything",
                "{\"customer\":\"c\",\"amount_usd_micros\":\"1\"}",
                Map.of());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).path("detail").asText()).contains("set CLEARINGHOUSE_ADMIN_TOKEN");
        assertThat(request(other.httpPort(), "GET", "/api/usage/summary", "anything", null, Map.of())
                        .statusCode())
                .isEqualTo(403);
    }

    @Test
    void a_grant_retried_with_its_idempotency_key_returns_the_original_transfer() throws Exception {
        String body = "{\"customer\":\"acme:alice\",\"amount_usd_micros\":\"5000000.5\",\"reason\":\"trial\","
                + "\"metadata\":{\"campaign\":\"launch\"}}";
        HttpResponse<String> first = post("/api/ledger/grants", ADMIN_TOKEN, body, Map.of("Idempotency-Key", "k-1"));
        assertThat(first.statusCode()).isEqualTo(201);
        JsonNode transfer = json(first).path("transfer");
        assertThat(transfer.path("id").asText()).isEqualTo("grant:k-1");
        assertThat(transfer.path("amount").asText()).isEqualTo("5000000.5");
        assertThat(transfer.path("metadata").path("campaign").asText()).isEqualTo("launch");
        assertThat(json(first).path("account").path("balance").asText()).isEqualTo("5000000.5");

        HttpResponse<String> retry = post("/api/ledger/grants", ADMIN_TOKEN, body, Map.of("Idempotency-Key", "k-1"));
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(json(retry).path("transfer")).isEqualTo(transfer);
        assertThat(json(retry).path("account").path("balance").asText()).isEqualTo("5000000.5");

        HttpResponse<String> different = post(
                "/api/ledger/grants", ADMIN_TOKEN, body.replace("5000000.5", "7"), Map.of("Idempotency-Key", "k-1"));
        assertThat(different.statusCode()).isEqualTo(409);
        assertThat(json(different).path("errors").get(0).path("field").asText()).isEqualTo("transfer_id");

        HttpResponse<String> byBody = post(
                "/api/ledger/grants",
                ADMIN_TOKEN,
                "{\"customer\":\"acme:alice\",\"amount_usd_micros\":1,\"transfer_id\":\"mine-1\"}",
                Map.of());
        // a client's id always lives in its kind's namespace
        assertThat(json(byBody).path("transfer").path("id").asText()).isEqualTo("grant:mine-1");
        assertThat(post(
                                "/api/ledger/grants",
                                ADMIN_TOKEN,
                                "{\"customer\":\"acme:alice\",\"amount_usd_micros\":1,\"transfer_id\":\"mine-1\"}",
                                Map.of())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void a_grant_without_an_idempotency_key_is_refused_so_a_client_retry_cannot_grant_twice() throws Exception {
        String body = "{\"customer\":\"acme:retry\",\"amount_usd_micros\":\"1000\"}";
        HttpResponse<String> keyless = post("/api/ledger/grants", ADMIN_TOKEN, body, Map.of());
        assertThat(keyless.statusCode()).isEqualTo(400);
        assertThat(json(keyless).path("errors").get(0).path("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(post("/api/ledger/grants", ADMIN_TOKEN, body, Map.of()).statusCode())
                .isEqualTo(400);
        assertThat(get("/api/ledger/accounts/customer:acme:retry", ADMIN_TOKEN).statusCode())
                .isEqualTo(404);
    }

    @Test
    void a_grant_id_that_looks_like_a_usage_posting_cannot_cancel_that_usage() throws Exception {
        HttpResponse<String> grant = post(
                "/api/ledger/grants",
                ADMIN_TOKEN,
                "{\"customer\":\"acme:alice\",\"amount_usd_micros\":1,\"transfer_id\":\"usage:e-1\"}",
                Map.of());
        assertThat(grant.statusCode()).isEqualTo(201);
        assertThat(json(grant).path("transfer").path("id").asText()).isEqualTo("grant:usage:e-1");
    }

    @Test
    void validation_errors_name_every_field_at_fault() throws Exception {
        HttpResponse<String> bad =
                post("/api/ledger/grants", ADMIN_TOKEN, "{\"customer\":\" \",\"amount_usd_micros\":\"-3\"}", Map.of());
        assertThat(bad.statusCode()).isEqualTo(400);
        JsonNode problem = json(bad);
        assertThat(problem.path("errors").findValuesAsText("field")).containsExactly("amount_usd_micros", "customer");
        assertThat(problem.path("detail").asText())
                .isEqualTo("amount_usd_micros must be greater than 0;" + " customer must not be blank");
        assertThat(json(post(
                                "/api/ledger/grants",
                                ADMIN_TOKEN,
                                "{\"customer\":\"c\",\"amount_usd_micros\":\"1\"," + "\"colour\":\"red\"}",
                                Map.of()))
                        .path("detail")
                        .asText())
                .isEqualTo("unknown field 'colour'");
        assertThat(json(post(
                                "/api/ledger/grants",
                                ADMIN_TOKEN,
                                "{\"customer\":\"c\",\"amount_usd_micros\":\"lots\"}",
                                Map.of()))
                        .path("errors")
                        .get(0)
                        .path("field")
                        .asText())
                .isEqualTo("amount_usd_micros");
        assertThat(json(post(
                                "/api/ledger/grants",
                                ADMIN_TOKEN,
                                "{\"customer\":\"c\",\"amount_usd_micros\":" + "\"0.0000000000001\"}",
                                Map.of()))
                        .path("errors")
                        .get(0)
                        .path("field")
                        .asText())
                .isEqualTo("amount_usd_micros");
        assertThat(post("/api/ledger/grants", ADMIN_TOKEN, "not json", Map.of()).statusCode())
                .isEqualTo(400);
        assertThat(post("/api/ledger/grants", ADMIN_TOKEN, null, Map.of()).statusCode())
                .isEqualTo(400);
        assertThat(json(post(
                                "/api/ledger/adjustments",
                                ADMIN_TOKEN,
                                "{\"account\":\"customer:c\",\"amount\":\"5\"}",
                                Map.of()))
                        .path("errors")
                        .get(0)
                        .path("field")
                        .asText())
                .isEqualTo("reason");
        assertThat(json(post(
                                "/api/ledger/adjustments",
                                ADMIN_TOKEN,
                                "{\"account\":\"system:grants\"," + "\"amount\":\"5\",\"reason\":\"x\"}",
                                Map.of()))
                        .path("detail")
                        .asText())
                .contains("adjust a customer:<key> or orchestrator:<id> account");
    }

    @Test
    void a_body_over_one_mebibyte_is_refused_before_it_is_read() throws Exception {
        String huge = "{\"customer\":\"c\",\"amount_usd_micros\":\"1\",\"reason\":\"" + "x".repeat(1_100_000)
                + "\"}"; // camel.server.max-body-size
        assertThat(post("/api/ledger/grants", ADMIN_TOKEN, huge, Map.of()).statusCode())
                .isEqualTo(413);
    }

    @Test
    void adjustments_and_reversals_move_money_both_ways_with_reasons() throws Exception {
        post(
                "/api/ledger/grants",
                ADMIN_TOKEN,
                "{\"customer\":\"bob\",\"amount_usd_micros\":\"100\"}",
                Map.of("Idempotency-Key", "g"));
        HttpResponse<String> debit = post(
                "/api/ledger/adjustments",
                ADMIN_TOKEN,
                "{\"account\":\"customer:bob\",\"amount\":\"-30\",\"reason\":\"refund clawback\"}",
                Map.of("Idempotency-Key", "clawback-1"));
        assertThat(debit.statusCode()).isEqualTo(201);
        assertThat(json(debit).path("transfer").path("debit_account").asText()).isEqualTo("customer:bob");
        assertThat(json(debit).path("transfer").path("credit_account").asText()).isEqualTo("system:adjustments_usd");
        assertThat(json(debit).path("account").path("balance").asText()).isEqualTo("70");

        HttpResponse<String> reversal = post(
                "/api/ledger/transfers/grant:g/reverse", ADMIN_TOKEN, "{\"reason\":\"duplicate top-up\"}", Map.of());
        assertThat(reversal.statusCode()).isEqualTo(201);
        assertThat(json(reversal).path("transfer").path("reverses_id").asText()).isEqualTo("grant:g");
        assertThat(post("/api/ledger/transfers/grant:g/reverse", ADMIN_TOKEN, "{\"reason\":\"again\"}", Map.of())
                        .statusCode())
                .isEqualTo(200);
        assertThat(post("/api/ledger/transfers/nope/reverse", ADMIN_TOKEN, "{\"reason\":\"x\"}", Map.of())
                        .statusCode())
                .isEqualTo(404);
        assertThat(json(get("/api/ledger/accounts/customer:bob", VIEWER_TOKEN))
                        .path("balance")
                        .asText())
                .isEqualTo("-30");
        assertThat(get("/api/ledger/accounts/customer:nobody", VIEWER_TOKEN).statusCode())
                .isEqualTo(404);
    }

    @Test
    void accounts_and_transfers_page_newest_first() throws Exception {
        for (int i = 0; i < 5; i++) {
            post(
                    "/api/ledger/grants",
                    ADMIN_TOKEN,
                    "{\"customer\":\"c" + i + "\",\"amount_usd_micros\":\"1\"}",
                    Map.of("Idempotency-Key", "p" + i));
        }
        JsonNode page1 = json(get("/api/ledger/accounts?kind=customer&limit=2", VIEWER_TOKEN));
        assertThat(page1.path("accounts").findValuesAsText("key")).containsExactly("customer:c0", "customer:c1");
        assertThat(page1.path("next_cursor").isTextual()).isTrue();
        JsonNode page2 = json(get(
                "/api/ledger/accounts?kind=customer&limit=2&cursor="
                        + page1.path("next_cursor").asText(),
                VIEWER_TOKEN));
        assertThat(page2.path("accounts").findValuesAsText("key")).containsExactly("customer:c2", "customer:c3");
        JsonNode page3 = json(get(
                "/api/ledger/accounts?kind=customer&limit=2&cursor="
                        + page2.path("next_cursor").asText(),
                VIEWER_TOKEN));
        assertThat(page3.path("accounts").findValuesAsText("key")).containsExactly("customer:c4");
        assertThat(page3.has("next_cursor")).isTrue();
        assertThat(page3.path("next_cursor").isNull()).isTrue();
        // the page/size paging of earlier versions is refused by name rather than answered with one page
        HttpResponse<String> oldStyle = get("/api/ledger/accounts?kind=customer&size=2&page=3", VIEWER_TOKEN);
        assertThat(oldStyle.statusCode()).isEqualTo(400);
        assertThat(json(oldStyle).path("detail").asText()).contains("replaced by limit and cursor");
        assertThat(json(get("/api/ledger/accounts?cursor=soon", VIEWER_TOKEN))
                        .path("errors")
                        .get(0)
                        .path("field")
                        .asText())
                .isEqualTo("cursor");

        JsonNode t1 = json(get("/api/ledger/transfers?kind=grant&limit=3", VIEWER_TOKEN));
        assertThat(t1.path("transfers").findValuesAsText("id")).containsExactly("grant:p4", "grant:p3", "grant:p2");
        JsonNode t2 = json(get(
                "/api/ledger/transfers?kind=grant&limit=3&cursor="
                        + t1.path("next_cursor").asText(),
                VIEWER_TOKEN));
        assertThat(t2.path("transfers").findValuesAsText("id")).containsExactly("grant:p1", "grant:p0");
        assertThat(json(get("/api/ledger/transfers?account=customer:c2", VIEWER_TOKEN))
                        .path("transfers"))
                .hasSize(1);
        assertThat(get("/api/ledger/transfers?account=customer:zz", VIEWER_TOKEN)
                        .statusCode())
                .isEqualTo(404);
        assertThat(json(get("/api/ledger/transfers?kind=gift", VIEWER_TOKEN))
                        .path("errors")
                        .get(0)
                        .path("field")
                        .asText())
                .isEqualTo("kind");
    }

    @Test
    void events_through_kafka_become_outbox_rows_and_usage_transfers_and_the_books_balance() throws Exception {
        post(
                "/api/ledger/grants",
                ADMIN_TOKEN,
                "{\"customer\":\"demo-client:demo-user\"," + "\"amount_usd_micros\":\"10000000\"}",
                Map.of("Idempotency-Key", "trial"));
        List<String> ids = validIds(25);
        for (String id : ids) {
            kafka.send(
                    stage.topic(),
                    id,
                    signedTicket(id, "demo-client:demo-user", "1000000000000000", "live-video-to-video"));
        }
        kafka.send(
                stage.topic(),
                ids.get(0),
                signedTicket(
                        ids.get(0),
                        "demo-client:demo-user",
                        "1000000000000000",
                        "live-video-to-video")); // a redelivery
        eventually().until(() -> app.services().metrics().consumedCount() == 26);

        // 25 × 3,000,000 network micros × 1.15 markup
        JsonNode account = json(get("/api/ledger/accounts/customer:demo-client:demo-user", VIEWER_TOKEN));
        assertThat(account.path("debits_posted").asText()).isEqualTo("86250000");
        assertThat(account.path("balance").asText()).isEqualTo("-76250000");
        JsonNode usage = json(get("/api/ledger/transfers?kind=usage&limit=500", VIEWER_TOKEN))
                .path("transfers");
        assertThat(usage).hasSize(25);
        assertThat(usage.get(0).path("metadata").path("fee_wei").asText()).isEqualTo("1000000000000000");
        assertThat(usage.get(0).path("metadata").path("network_usd_micros").asText())
                .isEqualTo("3000000");

        JsonNode report = json(get("/api/ledger/reconciliation", VIEWER_TOKEN));
        assertThat(report.path("ok").asBoolean()).isTrue();
        assertThat(report.path("outbox_events").asLong()).isEqualTo(25);
        assertThat(report.path("usage_transfers").asLong()).isEqualTo(25);
        HttpResponse<String> markdown = get("/api/ledger/reconciliation?format=markdown", VIEWER_TOKEN);
        assertThat(markdown.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/markdown"));
        assertThat(markdown.body()).contains("the books balance");

        JsonNode perDay = json(get("/api/customers/demo-client:demo-user/usage?days=7", VIEWER_TOKEN));
        assertThat(perDay.path("days")).hasSize(7);
        assertThat(perDay.path("balance_usd_micros").asText()).isEqualTo("-76250000");
        assertThat(perDay.path("totals").path("granted_usd_micros").asText()).isEqualTo("10000000");
        assertThat(get("/api/customers/x/usage?days=0", VIEWER_TOKEN).statusCode())
                .isEqualTo(400);
    }
}
