package io.livepeer.clearinghouse.openmeter;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends one HTTP request: the JDK {@link HttpClient} in production ({@link #jdk(Duration)}); tests substitute a
 * recording one to see exactly which URL and headers a code path produces without a server.
 */
@FunctionalInterface
public interface Transport {

    /**
     * An HTTP answer.
     *
     * @param status  status code
     * @param headers response headers (case-insensitive lookup)
     * @param body    body text (UTF-8), empty when none
     */
    record Reply(int status, HttpHeaders headers, String body) {}

    /**
     * Sends the request once.
     *
     * @throws IOException          when no answer was obtained (connection refused, timeout, reset, …)
     * @throws InterruptedException when interrupted while waiting
     */
    Reply send(HttpRequest request) throws IOException, InterruptedException;

    /**
     * The JDK HTTP client (thread-safe, connection pooling, HTTP/2 where the server offers it).
     *
     * @param connectTimeout connect timeout; request timeouts are set per request
     */
    static Transport jdk(Duration connectTimeout) {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        return request -> {
            HttpResponse<String> response =
                    client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(), response.headers(), response.body() == null ? "" : response.body());
        };
    }
}
