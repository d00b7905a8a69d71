package io.livepeer.clearinghouse.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local HTTP sink standing in for OpenMeter's v1 ingest: counts events and, when asked, records each event's
 * end-to-end latency (receive time minus the CloudEvent {@code time}, which the benchmark sets to the send time).
 * Answers 204 like OpenMeter v1.
 */
final class HttpSink implements AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private volatile LatencyRecorder latencies;

    HttpSink() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.createContext("/api/v1/events", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long events() {
        return events.get();
    }

    long requests() {
        return requests.get();
    }

    void reset(LatencyRecorder recorder) {
        events.set(0);
        requests.set(0);
        latencies = recorder;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            long now = System.currentTimeMillis();
            long count = 0;
            LatencyRecorder recorder = latencies;
            try (InputStream in = exchange.getRequestBody();
                    JsonParser parser = JSON.createParser(in)) {
                int depth = 0;
                JsonToken token;
                while ((token = parser.nextToken()) != null) {
                    if (token == JsonToken.START_OBJECT) {
                        depth++;
                        if (depth == 1) {
                            count++;
                        }
                    } else if (token == JsonToken.END_OBJECT) {
                        depth--;
                    } else if (recorder != null
                            && depth == 1
                            && token == JsonToken.FIELD_NAME
                            && "time".equals(parser.currentName())) {
                        parser.nextToken();
                        recorder.record(now - Instant.parse(parser.getText()).toEpochMilli());
                    }
                }
            }
            events.addAndGet(count);
            requests.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
