package io.livepeer.clearinghouse.openmeter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one OpenMeter / Konnect client, both dialects: JSON calls below the {@linkplain OpenMeterUrl API root} (the
 * catalog: meters, features, plans, customers, subscriptions) and event ingest ({@code POST {root}/events}). Every
 * call goes through the same {@link Transport} (JDK {@code HttpClient}) and the same {@link Retries} policy
 * (Failsafe: IO errors, 429 and 5xx retried with backoff and {@code Retry-After}). The bearer token, when set, is sent
 * as {@code Authorization: Bearer …} on every request and never appears in messages or logs. Thread-safe.
 */
public final class OpenMeterClient implements EventIngest {

    /** Content type of an ingest batch. Bare: OpenMeter v1 compares it exactly, {@code ; charset=…} gets a 400. */
    public static final String CLOUDEVENTS_BATCH = "application/cloudevents-batch+json";

    private static final Logger LOG = LoggerFactory.getLogger(OpenMeterClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = "application/json, application/problem+json";

    private final OpenMeterUrl url;
    private final Optional<String> token;
    private final Duration timeout;
    private final Retries retries;
    private final Consumer<String> progress;
    private final Transport transport;
    private final Clock clock;
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();

    /**
     * A client over the JDK HTTP client, logging retry notices through SLF4J.
     *
     * @param url     the resolved endpoint
     * @param token   bearer token, empty (or blank) for none
     * @param timeout connect timeout and per-request timeout
     * @param retries the retry budget and backoff
     */
    public OpenMeterClient(OpenMeterUrl url, Optional<String> token, Duration timeout, Retries retries) {
        this(url, token, timeout, retries, line -> LOG.warn(line.strip()), Transport.jdk(timeout), Clock.systemUTC());
    }

    /**
     * A client over the JDK HTTP client.
     *
     * @param url      the resolved endpoint
     * @param token    bearer token, empty (or blank) for none
     * @param timeout  connect timeout and per-request timeout
     * @param retries  the retry budget and backoff
     * @param progress where retry notices go (one line each, never containing the token)
     */
    public OpenMeterClient(
            OpenMeterUrl url, Optional<String> token, Duration timeout, Retries retries, Consumer<String> progress) {
        this(url, token, timeout, retries, progress, Transport.jdk(timeout), Clock.systemUTC());
    }

    /**
     * A client over any transport.
     *
     * @param url       the resolved endpoint
     * @param token     bearer token, empty (or blank) for none
     * @param timeout   per-request timeout
     * @param retries   the retry budget and backoff
     * @param progress  where retry notices go
     * @param transport sends the requests
     * @param clock     measures {@code Retry-After} dates
     */
    public OpenMeterClient(
            OpenMeterUrl url,
            Optional<String> token,
            Duration timeout,
            Retries retries,
            Consumer<String> progress,
            Transport transport,
            Clock clock) {
        this.url = Objects.requireNonNull(url, "url");
        this.token = token.map(String::trim).filter(t -> !t.isEmpty());
        this.timeout = timeout;
        this.retries = retries;
        this.progress = progress;
        this.transport = transport;
        this.clock = clock;
    }

    /** The endpoint: API root and dialect. */
    public OpenMeterUrl url() {
        return url;
    }

    /** The dialect spoken. */
    public Dialect dialect() {
        return url.dialect();
    }

    /** Whether a bearer token is sent. */
    public boolean hasToken() {
        return token.isPresent();
    }

    /** GET requests made (retries included). */
    public int reads() {
        return reads.get();
    }

    /** POST/PUT/PATCH/DELETE requests made, ingest included (retries included). */
    public int writes() {
        return writes.get();
    }

    /**
     * POSTs a batch of CloudEvents to {@code {root}/events} as {@code application/cloudevents-batch+json}.
     *
     * @param batchJson a JSON array of structured CloudEvents, UTF-8
     * @return the final answer, any status (429/5xx only once the retries, if any, are exhausted)
     * @throws IOException when no answer was obtained
     */
    @Override
    public OpenMeterResponse ingest(byte[] batchJson) throws IOException {
        HttpRequest request = request(url.ingestUrl())
                .header("Content-Type", CLOUDEVENTS_BATCH)
                .POST(HttpRequest.BodyPublishers.ofByteArray(batchJson))
                .build();
        return execute("ingest events", request, writes);
    }

    /**
     * Sends a JSON request below the API root, retrying transient failures.
     *
     * @param operation what is being done, for messages ({@code create meter fee_wei})
     * @param method    HTTP method
     * @param path      path below the API root, starting with {@code /} (e.g. {@link OpenMeterUrl#METERS})
     * @param query     query parameters (encoded here), may be empty
     * @param body      JSON body, or null
     * @return the final answer (any status; 429/5xx only once the retries are exhausted)
     * @throws ApiProblem with status 0 when the server cannot be reached after the retries
     */
    public OpenMeterResponse send(
            String operation, String method, String path, Map<String, String> query, JsonNode body) {
        String uri = url.url(path)
                + (query.isEmpty()
                        ? ""
                        : "?"
                                + query.entrySet().stream()
                                        .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                                        .collect(Collectors.joining("&")));
        HttpRequest.Builder builder = request(uri);
        if (body != null) {
            builder.header("Content-Type", "application/json");
            builder.method(method, HttpRequest.BodyPublishers.ofString(write(body), StandardCharsets.UTF_8));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return execute(operation, builder.build(), method.equals("GET") ? reads : writes);
        } catch (IOException e) {
            throw new ApiProblem(operation, 0, null, describe(e) + " (" + url.apiRoot() + ")", List.of());
        }
    }

    /**
     * Sends a JSON request and requires a 2xx answer.
     *
     * @return the parsed body, or null when empty
     * @throws ApiProblem for any other final answer, with the server's problem details
     */
    public JsonNode expect(String operation, String method, String path, Map<String, String> query, JsonNode body) {
        OpenMeterResponse response = send(operation, method, path, query, body);
        if (!response.ok()) {
            throw response.problem(operation);
        }
        return response.json();
    }

    /** Query parameters in order; pairs whose value is null are left out. */
    public static Map<String, String> query(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put(pairs[i], pairs[i + 1]);
            }
        }
        return map;
    }

    private HttpRequest.Builder request(String uri) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(uri)).timeout(timeout).header("Accept", ACCEPT);
        token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        return builder;
    }

    private OpenMeterResponse execute(String operation, HttpRequest request, AtomicInteger counter) throws IOException {
        try {
            Transport.Reply reply = Failsafe.with(retries.policy(
                            clock,
                            e -> progress.accept("  retrying "
                                    + operation + " (attempt " + (e.getAttemptCount() + 1) + "): "
                                    + (e.getLastException() != null
                                            ? describe(e.getLastException())
                                            : "HTTP " + e.getLastResult().status()))))
                    .get(() -> {
                        counter.incrementAndGet();
                        return transport.send(request);
                    });
            return new OpenMeterResponse(reply.status(), Retries.retryAfter(reply, clock), reply.body());
        } catch (FailsafeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while calling OpenMeter");
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(describe(cause), cause);
        }
    }

    private static String describe(Throwable t) {
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
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
