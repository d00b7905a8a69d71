package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.bridge.Decision;
import io.livepeer.clearinghouse.bridge.MaxPrice;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.spi.RestRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3 document generated from the REST DSL lists every REST service the
 * running application registered, with the route ids as operation ids, and describes the bodies as they are sent.
 */
class OpenApiDocumentTest extends PipelineTestSupport {

    Stage stage;
    CamelContext context;
    JsonNode document;

    @BeforeEach
    void startAppAndReadTheDocument() throws Exception {
        stage = stage(TestDatabases.h2(), 1);
        context = start(stage, null, Map.of()).context();
        HttpResponse<String> response =
                request(stage.httpPort(), "GET", "/api/openapi.json", null, null, Map.of("X-Probe", "echo-me"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(response.headers().map()).doesNotContainKey("x-probe"); // request headers are not echoed
        document = Json.mapper().readTree(response.body());
    }

    @Test
    void the_document_is_openapi_3_needs_no_token_and_names_the_address_the_caller_used() throws Exception {
        assertThat(document.path("openapi").asText()).startsWith("3.");
        assertThat(document.path("info").path("title").asText()).isNotBlank();
        assertThat(document.path("servers").get(0).path("url").asText())
                .isEqualTo("http://127.0.0.1:" + stage.httpPort());
        JsonNode behindProxy = Json.mapper()
                .readTree(request(
                                stage.httpPort(),
                                "GET",
                                "/api/openapi.json",
                                null,
                                null,
                                Map.of("X-Forwarded-Proto", "https", "X-Forwarded-Host", "billing.example.com"))
                        .body());
        assertThat(behindProxy.path("servers").get(0).path("url").asText()).isEqualTo("https://billing.example.com");
    }

    @Test
    void every_registered_rest_service_is_in_the_document_with_its_method() {
        List<RestRegistry.RestService> services = context.getRestRegistry().listAllRestServices();
        Set<String> registered = new TreeSet<>();
        for (RestRegistry.RestService service : services) {
            String path = service.getBasePath() + (service.getUriTemplate() == null ? "" : service.getUriTemplate());
            registered.add(service.getMethod().toLowerCase(Locale.ROOT) + " " + path);
        }
        Set<String> documented = new TreeSet<>();
        document.path("paths")
                .properties()
                .forEach(path ->
                        path.getValue().properties().forEach(op -> documented.add(op.getKey() + " " + path.getKey())));

        assertThat(registered)
                .contains(
                        "post /authorize",
                        "get /api/openapi.json",
                        "get /api/usage/summary",
                        "get /api/usage/events",
                        "get /api/usage/gaps",
                        "get /api/dead-letters",
                        "post /api/ledger/grants",
                        "post /api/ledger/adjustments",
                        "post /api/ledger/transfers/{id}/reverse",
                        "get /api/ledger/accounts/{key}",
                        "get /api/ledger/accounts",
                        "get /api/ledger/transfers",
                        "get /api/ledger/reconciliation",
                        "get /api/customers/{key}/usage",
                        "get /api/keys",
                        "post /api/keys",
                        "post /api/keys/{id}/revoke",
                        "post /api/keys/{id}/expire",
                        "post /api/admin/pause",
                        "post /api/admin/resume",
                        "get /api/admin/pauses",
                        "get /api/admin/spend-audit",
                        "put /api/admin/spend/overdraft",
                        "get /api/spend/customer",
                        "get /api/spend/holds",
                        "get /api/alerts");
        assertThat(documented).isEqualTo(registered);
    }

    @Test
    void each_operation_is_a_route_with_the_operation_id_as_its_id() {
        Set<String> routeIds = new TreeSet<>();
        for (Route route : context.getRoutes()) {
            routeIds.add(route.getRouteId());
        }
        List<String> operationIds = new ArrayList<>();
        document.path("paths")
                .forEach(path -> path.forEach(
                        op -> operationIds.add(op.path("operationId").asText())));
        assertThat(operationIds).hasSize(context.getRestRegistry().size()).doesNotHaveDuplicates();
        assertThat(routeIds).containsAll(operationIds).contains("authorize", "api-usage-summary");
    }

    @Test
    void query_parameters_are_declared_and_optional() {
        JsonNode events = document.path("paths").path("/api/usage/events").path("get");
        List<String> names = events.path("parameters").findValuesAsText("name");
        assertThat(names).contains("subject", "status", "limit", "cursor");
        for (JsonNode parameter : events.path("parameters")) {
            assertThat(parameter.path("required").asBoolean())
                    .as(parameter.toString())
                    .isFalse();
        }
        assertThat(document.path("paths")
                        .path("/api/ledger/accounts")
                        .path("get")
                        .path("parameters")
                        .findValuesAsText("name"))
                .contains("kind", "limit", "cursor")
                .doesNotContain("page", "size");
    }

    @Test
    void bodies_are_described_in_snake_case_as_they_are_sent() {
        JsonNode event = schema(document.path("paths")
                        .path("/api/usage/events")
                        .path("get")
                        .path("responses")
                        .path("200"))
                .path("properties")
                .path("events")
                .path("items");
        assertThat(names(resolve(event).path("properties")))
                .contains("event_id", "network_usd_micros", "cloud_event", "created_at");
        JsonNode grant = schema(
                document.path("paths").path("/api/ledger/grants").path("post").path("requestBody"));
        assertThat(names(grant.path("properties")))
                .containsExactlyInAnyOrder("customer", "amount_usd_micros", "transfer_id", "reason", "metadata");
        JsonNode created = schema(document.path("paths")
                .path("/api/keys")
                .path("post")
                .path("responses")
                .path("201"));
        assertThat(names(created.path("properties"))).contains("id", "client_id", "auth_id", "key", "warning");
        JsonNode problem = schema(document.path("paths")
                .path("/api/ledger/accounts/{key}")
                .path("get")
                .path("responses")
                .path("404"));
        assertThat(names(problem.path("properties"))).contains("type", "title", "status", "detail", "errors");
    }

    @Test
    void the_authorize_decision_is_described_with_the_names_the_signer_reads() {
        // the webhook writes Decision.toJson() itself; the documented record must name the same fields
        JsonNode decision =
                new Decision(200, "ok", "allowed", 1L, "acme:alice", new MaxPrice(BigInteger.TEN, "seconds")).toJson();
        JsonNode response = schema(document.path("paths")
                .path("/authorize")
                .path("post")
                .path("responses")
                .path("200"));
        assertThat(names(response.path("properties"))).containsExactlyInAnyOrderElementsOf(names(decision));
        assertThat(names(resolve(response.path("properties").path("maxPrice")).path("properties")))
                .containsExactlyInAnyOrderElementsOf(names(decision.path("maxPrice")));
        assertThat(document.path("paths")
                        .path("/authorize")
                        .path("post")
                        .path("security")
                        .toString())
                .contains("webhookSecret");
        assertThat(document.path("paths")
                        .path("/api/keys")
                        .path("get")
                        .path("security")
                        .toString())
                .contains("apiToken");
    }

    /** The schema of a response or request body, its {@code $ref} resolved. */
    JsonNode schema(JsonNode bodyOrResponse) {
        JsonNode content = bodyOrResponse.path("content");
        JsonNode first = content.properties().iterator().next().getValue();
        return resolve(first.path("schema"));
    }

    JsonNode resolve(JsonNode schema) {
        String ref = schema.path("$ref").asText(null);
        if (ref == null) {
            return schema;
        }
        return document.path("components").path("schemas").path(ref.substring(ref.lastIndexOf('/') + 1));
    }

    static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
