package io.livepeer.clearinghouse.bootstrap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * JSON over HTTP to OpenMeter or Konnect (JDK {@link HttpClient}, Jackson), with retries by Failsafe: connection
 * errors, timeouts, 429 and 5xx are retried with exponential backoff, honouring {@code Retry-After} (seconds); other
 * answers are returned as they are. The bearer token is sent on every request and never appears in messages.
 */
public final class OpenMeterHttp {

    /**
     * Retry settings.
     *
     * @param maxRetries     retries after the first attempt
     * @param initialBackoff first delay
     * @param maxBackoff     delay cap, also the cap of a {@code Retry-After}
     */
    public record Retries(int maxRetries, Duration initialBackoff, Duration maxBackoff) {
        /** 5 retries from 500 ms to 20 s. */
        public static Retries defaults() {
            return new Retries(5, Duration.ofMillis(500), Duration.ofSeconds(20));
        }
    }

    /**
     * An answer.
     *
     * @param status HTTP status
     * @param body   parsed JSON body, or null when empty or not JSON
     * @param raw    raw body text
     */
    public record Response(int status, JsonNode body, String raw) {
        /** Whether the status is 2xx. */
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final Optional<String> token;
    private final Duration timeout;
    private final Retries retries;
    private final Consumer<String> progress;
    private final HttpClient client;
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();

    /**
     * @param base     base URL: {@code http://openmeter:8888} (v1) or {@code https://us.api.konghq.com/v3} (v3; the
     *                 {@code /openmeter/...} paths are appended)
     * @param token    bearer token, empty for none
     * @param timeout  connect and request timeout
     * @param retries  retry settings
     * @param progress where retry notices go (one line each)
     */
    public OpenMeterHttp(String base, Optional<String> token, Duration timeout, Retries retries,
                         Consumer<String> progress) {
        this.base = base.replaceAll("/+$", "");
        this.token = token.filter(t -> !t.isBlank());
        this.timeout = timeout;
        this.retries = retries;
        this.progress = progress;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The base URL. */
    public String base() {
        return base;
    }

    /** GET requests made (retries included). */
    public int reads() {
        return reads.get();
    }

    /** POST/PUT/PATCH/DELETE requests made (retries included). */
    public int writes() {
        return writes.get();
    }

    /**
     * Sends a request, retrying transient failures.
     *
     * @param operation what is being done, for messages ({@code create meter fee_wei})
     * @param method    HTTP method
     * @param path      path below the base URL, starting with {@code /}
     * @param query     query parameters (encoded here), may be empty
     * @param body      JSON body, or null
     * @return the final answer (any status; 429/5xx only once the retries are exhausted)
     * @throws ApiProblem with status 0 when the server cannot be reached after the retries
     */
    public Response send(String operation, String method, String path, Map<String, String> query, JsonNode body) {
        String uri = base + path + (query.isEmpty() ? "" : "?" + query.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&")));
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri)).timeout(timeout)
                .header("Accept", "application/json, application/problem+json");
        token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        if (body != null) {
            builder.header("Content-Type", "application/json");
            builder.method(method, HttpRequest.BodyPublishers.ofString(write(body), StandardCharsets.UTF_8));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest request = builder.build();
        AtomicInteger counter = method.equals("GET") ? reads : writes;
        RetryPolicy<HttpResponse<String>> policy = RetryPolicy.<HttpResponse<String>>builder()
                .handle(IOException.class)
                .handleResultIf(r -> r.statusCode() == 429 || r.statusCode() >= 500)
                .withBackoff(retries.initialBackoff(), retries.maxBackoff())
                .withDelayFn(ctx -> retryAfter(ctx.getLastResult()))
                .withMaxRetries(retries.maxRetries())
                .onRetry(e -> progress.accept("  retrying " + operation + " (attempt " + (e.getAttemptCount() + 1)
                        + "): " + (e.getLastException() != null ? describe(e.getLastException())
                        : "HTTP " + e.getLastResult().statusCode())))
                .build();
        try {
            HttpResponse<String> response = Failsafe.with(policy).get(() -> {
                counter.incrementAndGet();
                return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            });
            return new Response(response.statusCode(), parse(response.body()), response.body());
        } catch (FailsafeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ApiProblem(operation, 0, null, describe(cause) + " (" + base + ")", java.util.List.of());
        }
    }

    /**
     * Sends a request and requires a 2xx answer.
     *
     * @throws ApiProblem for any other final answer, with the server's problem details
     */
    public JsonNode expect(String operation, String method, String path, Map<String, String> query, JsonNode body) {
        Response response = send(operation, method, path, query, body);
        if (!response.ok()) {
            throw ApiProblem.of(operation, response.status(), response.body(), response.raw());
        }
        return response.body();
    }

    /** Query parameters in order. */
    public static Map<String, String> query(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put(pairs[i], pairs[i + 1]);
            }
        }
        return map;
    }

    /** The {@code Retry-After} delay, or a negative duration: Failsafe then uses the exponential backoff. */
    private Duration retryAfter(HttpResponse<String> last) {
        Duration backoff = Duration.ofMillis(-1);
        if (last == null) {
            return backoff;
        }
        Optional<String> header = last.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return backoff;
        }
        try {
            Duration wait = Duration.ofSeconds(Long.parseLong(header.get().trim()));
            return wait.compareTo(retries.maxBackoff()) > 0 ? retries.maxBackoff() : wait;
        } catch (NumberFormatException e) {
            return backoff;   // an HTTP date
        }
    }

    private static String describe(Throwable t) {
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String write(JsonNode body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
