package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookRequestTest {

    /** The example body of go-livepeer doc/remote-signer.md. */
    static final String DOC_EXAMPLE = "{\"headers\":{\"Content-Type\":[\"application/json\"],\"Signer-Auth-Id\":"
            + "[\"auth-456\"],\"X-Request-Id\":[\"abc-123\"]},\"state\":{\"StateID\":\"xYz\",\"PMSessionID\":\"session-1\","
            + "\"LastUpdate\":\"2026-04-07T20:00:00Z\",\"OrchestratorAddress\":\"0x1234...\",\"App\":"
            + "\"livepeer-echo-stream\",\"AuthExpiry\":0,\"SenderNonce\":7,\"Balance\":\"500/1\","
            + "\"InitialPricePerUnit\":1200,\"InitialPixelsPerUnit\":1,\"Type\":\"live\",\"SequenceNumber\":3,"
            + "\"AuthID\":\"auth-456\"}}";

    static WebhookRequest parse(String json) {
        return WebhookRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void reads_the_go_livepeer_documentation_example() {
        WebhookRequest request = parse(DOC_EXAMPLE);
        assertThat(request.header("x-request-id")).contains("abc-123");
        assertThat(request.header("Authorization")).isEmpty();
        assertThat(request.stateAuthId()).isEqualTo("auth-456");
    }

    @Test
    void a_first_call_may_come_without_state() {
        assertThat(parse("{\"headers\":{\"Authorization\":[\"Bearer k\"]}}").stateAuthId())
                .isEmpty();
    }

    @Test
    void other_shapes_are_refused_with_a_reason() {
        assertThatThrownBy(() -> parse("nope")).hasMessage("body is not JSON");
        assertThatThrownBy(() -> parse("[]")).hasMessage("body must be a JSON object with headers and state");
        assertThatThrownBy(() -> parse("{\"state\":{}}"))
                .hasMessage("headers must be an object of header name to list of values");
        assertThatThrownBy(() -> parse("{\"headers\":{\"A\":[1]}}")).hasMessage("header A must hold strings");
        assertThatThrownBy(() -> parse("{\"headers\":{},\"state\":[]}")).hasMessage("state must be an object");
    }
}
