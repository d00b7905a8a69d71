package io.livepeer.clearinghouse.routes.bridge;

import static io.livepeer.clearinghouse.routes.http.ApiRouteBuilder.response;

import io.livepeer.clearinghouse.bridge.Authorizer;
import io.livepeer.clearinghouse.bridge.Decision;
import io.livepeer.clearinghouse.bridge.WebhookRequest;
import io.livepeer.clearinghouse.routes.bridge.AuthorizeModel.AuthorizeRequest;
import io.livepeer.clearinghouse.routes.bridge.AuthorizeModel.AuthorizeResponse;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestBindingMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /authorize}: go-livepeer's {@code -remoteSignerWebhookUrl} (contract: DESIGN.md §7, go-livepeer
 * {@code server/remote_signer.go}). The caller must send the webhook secret ({@code Authorization: Bearer},
 * {@code X-Api-Key} or {@code X-Webhook-Secret}, compared in constant time) or gets HTTP 401; a body that is not the
 * signer's JSON gets HTTP 400, a body over {@value #MAX_BODY} bytes HTTP 413. Every decision about the end user is
 * HTTP 200 with {@code {status, reason, code, expiry, auth_id, maxPrice}} (see {@link Authorizer}).
 *
 * <p>A REST DSL verb without JSON binding: the webhook reads the raw body and writes {@link Decision#toJson()}
 * itself, and answers its own errors in the decision shape (never {@code application/problem+json}).
 * {@link AuthorizeModel} describes both bodies for the OpenAPI document.
 */
public final class SignerBridgeRoutes extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "authorize";
    /** The OpenAPI security scheme of the webhook secret. */
    public static final String SECRET_SCHEME = "webhookSecret";

    static final int MAX_BODY = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SignerBridgeRoutes.class);

    private final Authorizer authorizer;
    private final byte[] secretDigest;
    private final BridgeMetrics metrics;

    public SignerBridgeRoutes(Authorizer authorizer, Optional<String> webhookSecret, BridgeMetrics metrics) {
        this.authorizer = authorizer;
        this.secretDigest = webhookSecret.map(SignerBridgeRoutes::digest).orElse(null);
        this.metrics = metrics;
    }

    @Override
    public void configure() {
        rest("/authorize")
                .description("go-livepeer's remote-signer webhook (-remoteSignerWebhookUrl)")
                .securityDefinitions()
                .bearerToken(SECRET_SCHEME, "WEBHOOK_SECRET; also accepted as X-Api-Key or" + " X-Webhook-Secret", null)
                .end()
                .post()
                .id(ROUTE_ID)
                .description("Decide whether the signer may sign for the gateway's customer: HTTP 200 with"
                        + " the decision in status for every decision")
                .bindingMode(RestBindingMode.off)
                .consumes("application/json")
                .produces("application/json")
                .type(AuthorizeRequest.class)
                .outType(AuthorizeResponse.class)
                .security(SECRET_SCHEME)
                .responseMessage(response(400, "not the signer's JSON, or sent as a form", AuthorizeResponse.class))
                .responseMessage(response(401, "missing or wrong webhook secret", AuthorizeResponse.class))
                .responseMessage(response(413, "body over 64 KiB", AuthorizeResponse.class))
                .responseMessage(response(503, "no WEBHOOK_SECRET configured", AuthorizeResponse.class))
                .to("direct:" + ROUTE_ID);

        from("direct:" + ROUTE_ID).routeId(ROUTE_ID).process(this::authorize).id("decide");
    }

    private void authorize(Exchange exchange) {
        long started = System.nanoTime();
        int status;
        if (secretDigest == null) {
            reply(exchange, 503, Decision.deny(503, "webhook_disabled", "the webhook is disabled: set WEBHOOK_SECRET"));
            status = -503;
        } else if (!callerAuthenticated(exchange)) {
            reply(exchange, 401, Decision.deny(401, "unauthorized_webhook_caller", "unauthorized webhook caller"));
            status = -401;
        } else {
            byte[] body = body(exchange);
            if (ApiSupport.isForm(exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class))) {
                // go-livepeer sends application/json; a form would arrive parsed and without its raw body
                reply(exchange, 400, Decision.deny(400, "bad_request", "Content-Type must be application/json"));
                status = -400;
            } else if (body != null && body.length > MAX_BODY) {
                reply(
                        exchange,
                        413,
                        Decision.deny(413, "body_too_large", "the body is larger than " + MAX_BODY + " bytes"));
                status = -413;
            } else {
                WebhookRequest request = null;
                try {
                    request = WebhookRequest.parse(body == null ? new byte[0] : body);
                } catch (IllegalArgumentException e) {
                    reply(exchange, 400, Decision.deny(400, "bad_request", e.getMessage()));
                }
                if (request == null) {
                    status = -400;
                } else {
                    Decision decision = authorizer.decide(request);
                    reply(exchange, 200, decision);
                    status = decision.status();
                    if (!decision.allowed()) {
                        LOG.debug("authorize: {} {}", decision.status(), decision.code());
                    }
                }
            }
        }
        metrics.decision(status, System.nanoTime() - started);
    }

    /**
     * The raw body. platform-http hands it over as an InputStream; Camel's converter would copy it through an 8 KiB
     * buffered stream and an 8 KiB transfer buffer per call (about a quarter of this route's allocation at 1,000
     * calls/s, profiled): read exactly what is there instead (at most {@code MAX_BODY + 1} bytes, enough to refuse a
     * larger body).
     */
    private static byte[] body(Exchange exchange) {
        Object raw = exchange.getMessage().getBody();
        if (raw instanceof byte[] bytes) {
            return bytes;
        }
        if (raw instanceof InputStream in) {
            try (in) {
                int ready = in.available();
                byte[] first = in.readNBytes(Math.max(0, Math.min(ready, MAX_BODY + 1)));
                if (first.length > MAX_BODY) {
                    return first;
                }
                int next = in.read();
                if (next < 0) {
                    return first; // all of it was available: no further buffer
                }
                byte[] rest = in.readNBytes(MAX_BODY - first.length);
                byte[] all = Arrays.copyOf(first, first.length + 1 + rest.length);
                all[first.length] = (byte) next;
                System.arraycopy(rest, 0, all, first.length + 1, rest.length);
                return all;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return exchange.getMessage().getBody(byte[].class);
    }

    private boolean callerAuthenticated(Exchange exchange) {
        if (ApiSupport.credentialInQuery(exchange)) {
            return false; // a secret in the URL is leaked, not presented (platform-http maps it to a header)
        }
        String presented = null;
        String authorization = exchange.getMessage().getHeader("Authorization", String.class);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).trim();
        }
        if (presented == null || presented.isEmpty()) {
            presented = exchange.getMessage().getHeader("X-Api-Key", String.class);
        }
        if (presented == null || presented.isEmpty()) {
            presented = exchange.getMessage().getHeader("X-Webhook-Secret", String.class);
        }
        return presented != null && MessageDigest.isEqual(digest(presented.trim()), secretDigest);
    }

    /** The decision as go-livepeer reads it, with no request header echoed back. */
    private static void reply(Exchange exchange, int httpStatus, Decision decision) {
        ApiSupport.clearHeaders(exchange);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, httpStatus);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(decision.toJson().toString());
    }

    private static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
