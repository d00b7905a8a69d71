package io.livepeer.clearinghouse.routes.orchestrators.credit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The orchestrator host's power API ({@code http://{host}:{port}/power}, livepeer-ops {@code payments/api.py}; the
 * server runs on the orchestrator host): {@code GET} answers {@code {"state": "awake"|"asleep"|...}}, {@code POST}
 * takes {@code {"action": "sleep"|"wake", "reason": ...}}. Only {@code state} is read.
 */
public final class PowerClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final int port;
    private final Duration timeout;

    /**
     * @param port    the power API's port (9090 in production)
     * @param connect connect timeout
     * @param timeout whole-request timeout
     */
    public PowerClient(int port, Duration connect, Duration timeout) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(connect)
                // a plain HTTP/1.1 service on the host: no h2c upgrade round
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.port = port;
        this.timeout = timeout;
    }

    /** A {@code GET /power} answer: the state, or why there is none. */
    public record Reading(String state, String error) {

        /** Whether the host said exactly {@code awake}. */
        public boolean awake() {
            return "awake".equals(state);
        }
    }

    /** Reads the host's power state; never throws (errors, timeouts and non-200 answers become {@code error}). */
    public Reading state(String host) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri(host))
                            .timeout(timeout)
                            .header("Accept", "application/json")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return new Reading(null, "HTTP " + r.statusCode());
            }
            JsonNode body = JSON.readTree(r.body());
            JsonNode state = body == null ? null : body.get("state");
            return state != null && state.isTextual()
                    ? new Reading(state.asText(), null)
                    : new Reading(null, "no state in the answer");
        } catch (IOException e) {
            return new Reading(
                    null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reading(null, "interrupted");
        } catch (IllegalArgumentException e) {
            return new Reading(null, "bad host: " + e.getMessage());
        }
    }

    /**
     * Posts {@code {"action":"sleep","reason":reason}}.
     *
     * @return null on a 2xx answer, else what went wrong
     */
    public String sleep(String host, String reason) {
        try {
            String body = JSON.writeValueAsString(java.util.Map.of("action", "sleep", "reason", reason));
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(uri(host))
                            .timeout(timeout)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (IOException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (IllegalArgumentException e) {
            return "bad host: " + e.getMessage();
        }
    }

    private URI uri(String host) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port + "/power");
    }
}
