package io.livepeer.clearinghouse.routes.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.bridge.SignerStatus;
import io.livepeer.clearinghouse.processors.json.Json;
import java.time.Clock;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Probes the remote signer: {@code POST <signer>/sign-orchestrator-info} (no body; go-livepeer answers
 * {@code {"address":"0x…","signature":"0x…"}}), records its address and liveness in {@link SignerStatus}.
 */
public final class SignerProbeRoute extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "signer-probe";

    private final BridgeSettings settings;
    private final SignerStatus status;
    private final Clock clock;

    public SignerProbeRoute(BridgeSettings settings, SignerStatus status, Clock clock) {
        this.settings = settings;
        this.status = status;
        this.clock = clock;
    }

    @Override
    public void configure() {
        String url = settings.signerUrl().orElseThrow() + "/sign-orchestrator-info?throwExceptionOnFailure=true";
        from("timer:signer-probe?delay=0&period="
                        + settings.signerProbeInterval().toMillis())
                .routeId(ROUTE_ID)
                .removeHeaders("*")
                .setHeader(Exchange.HTTP_METHOD, constant("POST"))
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                .setBody(constant(new byte[0]))
                .doTry()
                .to(url)
                .id("call-signer")
                .process(exchange -> {
                    JsonNode answer =
                            Json.mapper().readTree(exchange.getMessage().getBody(byte[].class));
                    String address =
                            answer == null ? "" : answer.path("address").asText("");
                    if (address.isEmpty()) {
                        status.failed("the signer's answer has no address", clock.instant());
                    } else {
                        status.seen(address, clock.instant());
                    }
                })
                .id("record-signer")
                .doCatch(Exception.class)
                .process(exchange -> {
                    Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                    status.failed(
                            e instanceof HttpOperationFailedException http
                                    ? "HTTP " + http.getStatusCode()
                                    : e.getClass().getSimpleName(),
                            clock.instant());
                })
                .id("record-signer-failure")
                .end();
    }
}
