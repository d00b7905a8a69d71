package io.livepeer.clearinghouse.routes.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.ApiKeys;
import io.livepeer.clearinghouse.bridge.Authorizer;
import io.livepeer.clearinghouse.bridge.CredentialVerifier;
import io.livepeer.clearinghouse.bridge.Principal;
import io.livepeer.clearinghouse.bridge.SignerStatus;
import io.livepeer.clearinghouse.bridge.Verification;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code authorize} route alone: the REST consumer replaced by {@code direct:} with AdviceWith, a scripted
 * credential verifier and balance, no HTTP server. What the route owns (DESIGN.md §7, go-livepeer
 * {@code server/remote_signer.go}): the webhook secret, the body checks, and HTTP 200 with the decision for every
 * decision about the customer.
 */
class AuthorizeRouteTest extends CamelTestSupport {

    static final String SECRET = "route-test-secret";
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    Database database;

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        // the application inlines each REST verb with its direct: route (OpenApiRoutes); so does this test
        context.getRestConfiguration().setInlineRoutes(true);
        var target = TestDatabases.h2();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
        CredentialVerifier verifier = new CredentialVerifier() {
            @Override
            public Verification verify(String credential) {
                return credential.equals("good-key")
                        ? new Verification.Verified(new Principal("acme", "alice", "external_user_id", null, null))
                        : new Verification.Denied(401, "credential_unknown", "unknown API key");
            }

            @Override
            public String mode() {
                return "api_key";
            }
        };
        Map<String, BigDecimal> balances = Map.of("acme:alice", new BigDecimal("5000000"));
        Authorizer authorizer = new Authorizer(
                verifier,
                customer -> Optional.ofNullable(balances.get(customer)),
                CLOCK,
                Duration.ofSeconds(60),
                BigDecimal.ZERO);
        ApiKeyVerifier keys =
                new ApiKeyVerifier(new ApiKeys(database, CLOCK, "sk_test_"), CLOCK, Duration.ofSeconds(30));
        return new SignerBridgeRoutes(
                authorizer,
                Optional.of(SECRET),
                new BridgeMetrics(new SimpleMeterRegistry(), keys, new SignerStatus()));
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    void adviseAndStart() throws Exception {
        AdviceWith.adviceWith(context, SignerBridgeRoutes.ROUTE_ID, a -> {
            a.replaceFromWith("direct:webhook");
            a.weaveById("decide").after().to("mock:decided");
        });
        context.start();
    }

    static String body(String credential) {
        return "{\"headers\":{\"Authorization\":[\"Bearer " + credential + "\"]},"
                + "\"state\":{\"StateID\":\"9f8e7d6c\",\"Type\":\"live\",\"InitialPricePerUnit\":1200,"
                + "\"InitialPixelsPerUnit\":1,\"AuthID\":\"\"}}";
    }

    Exchange call(String secret, String contentType, String body) {
        return template.send("direct:webhook", e -> {
            if (secret != null) {
                e.getMessage().setHeader("Authorization", "Bearer " + secret);
            }
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, contentType);
            e.getMessage().setBody(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
    }

    static JsonNode decision(Exchange exchange) throws Exception {
        return Json.mapper().readTree(exchange.getMessage().getBody(String.class));
    }

    @Test
    void every_decision_about_the_customer_is_http_200_with_the_status_in_the_body() throws Exception {
        adviseAndStart();
        MockEndpoint decided = getMockEndpoint("mock:decided");
        decided.expectedMessageCount(2);

        Exchange allowed = call(SECRET, "application/json", body("good-key"));
        Exchange denied = call(SECRET, "application/json", body("stolen-key"));

        decided.assertIsSatisfied(5, TimeUnit.SECONDS);
        assertThat(allowed.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(decision(allowed).path("status").asInt()).isEqualTo(200);
        assertThat(decision(allowed).path("auth_id").asText()).isEqualTo("acme:alice");
        assertThat(decision(allowed).path("expiry").asLong())
                .isEqualTo(CLOCK.instant().plusSeconds(60).getEpochSecond());
        assertThat(denied.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(decision(denied).path("status").asInt()).isEqualTo(401);
        // nothing of the caller's request is echoed back as a response header
        assertThat(allowed.getMessage().getHeaders()).doesNotContainKey("Authorization");
    }

    @Test
    void a_caller_without_the_webhook_secret_gets_http_401_and_no_decision() throws Exception {
        adviseAndStart();

        Exchange none = call(null, "application/json", body("good-key"));
        Exchange wrong = call("guess", "application/json", body("good-key"));

        assertThat(none.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(401);
        assertThat(wrong.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(401);
        assertThat(decision(wrong).path("auth_id").isMissingNode()).isTrue();
    }

    @Test
    void a_body_that_is_not_the_signers_json_is_http_400() throws Exception {
        adviseAndStart();

        Exchange garbage = call(SECRET, "application/json", "{not json");
        Exchange form = call(SECRET, "application/x-www-form-urlencoded", body("good-key"));

        assertThat(garbage.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(form.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(decision(form).path("reason").asText()).contains("application/json");
    }
}
