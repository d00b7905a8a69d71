package io.livepeer.clearinghouse.openmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The client's requests and its retry policy, against a scripted transport (no server, no network). */
class OpenMeterClientTest {

    static final String TOKEN = "kpat_secret_never_printed";

    final List<HttpRequest> sent = new ArrayList<>();
    final Deque<Object> script = new ArrayDeque<>();
    final List<String> progress = new ArrayList<>();
    final Clock clock = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    final Transport transport = request -> {
        sent.add(request);
        Object next = script.isEmpty() ? reply(200, Map.of(), "{}") : script.poll();
        if (next instanceof IOException e) {
            throw e;
        }
        return (Transport.Reply) next;
    };

    static Transport.Reply reply(int status, Map<String, String> headers, String body) {
        Map<String, List<String>> map = new java.util.HashMap<>();
        headers.forEach((k, v) -> map.put(k, List.of(v)));
        return new Transport.Reply(status, HttpHeaders.of(map, (k, v) -> true), body);
    }

    OpenMeterClient client(String url, Optional<String> token, Retries retries) {
        return new OpenMeterClient(
                OpenMeterUrl.resolve(url), token, Duration.ofSeconds(5), retries, progress::add, transport, clock);
    }

    static Retries quick(int maxRetries) {
        return Retries.of(maxRetries, Duration.ofMillis(1), Duration.ofMillis(2));
    }

    @Test
    void ingest_posts_to_root_events_with_the_bare_batch_content_type_and_the_bearer_token() throws IOException {
        byte[] batch = "[{\"id\":\"e1\"}]".getBytes(StandardCharsets.UTF_8);
        OpenMeterResponse response = client("https://us.api.konghq.com/v3", Optional.of(TOKEN), quick(0))
                .ingest(batch);

        assertThat(response.ok()).isTrue();
        HttpRequest request = sent.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.uri()).hasToString("https://us.api.konghq.com/v3/openmeter/events");
        assertThat(request.headers().allValues("Content-Type")).containsExactly("application/cloudevents-batch+json");
        assertThat(request.headers().firstValue("Authorization")).contains("Bearer " + TOKEN);
        assertThat(request.headers().firstValue("Accept")).contains("application/json, application/problem+json");
        assertThat(request.bodyPublisher().orElseThrow().contentLength()).isEqualTo(batch.length);
    }

    @Test
    void without_a_token_no_authorization_header_is_sent() throws IOException {
        client("http://openmeter:8888", Optional.of("  "), quick(0)).ingest(new byte[] {'[', ']'});
        assertThat(sent.get(0).uri()).hasToString("http://openmeter:8888/api/v1/events");
        assertThat(sent.get(0).headers().firstValue("Authorization")).isEmpty();
    }

    @Test
    void one_attempt_hands_the_answer_and_its_retry_after_to_the_caller_in_either_form() throws IOException {
        OpenMeterClient once = client("http://openmeter:8888", Optional.empty(), quick(0));
        script.add(reply(429, Map.of("Retry-After", "42"), "slow down"));
        OpenMeterResponse seconds = once.ingest(new byte[] {'[', ']'});
        assertThat(seconds.status()).isEqualTo(429);
        assertThat(seconds.retryable()).isTrue();
        assertThat(seconds.retryAfter()).contains(Duration.ofSeconds(42));
        assertThat(seconds.body()).isEqualTo("slow down");

        script.add(reply(503, Map.of("Retry-After", "Thu, 20 Aug 2026 10:05:00 GMT"), ""));
        assertThat(once.ingest(new byte[] {'[', ']'}).retryAfter()).contains(Duration.ofMinutes(5));
        assertThat(sent).hasSize(2);
        assertThat(once.writes()).isEqualTo(2);
    }

    @Test
    void rate_limits_server_errors_and_io_errors_are_retried_with_the_attempt_in_the_progress_lines() {
        script.add(reply(503, Map.of(), "down"));
        script.add(reply(429, Map.of("Retry-After", "0"), ""));
        script.add(new ConnectException("Connection refused"));
        script.add(reply(200, Map.of(), "[]"));
        OpenMeterClient client = client("http://openmeter:8888", Optional.of(TOKEN), quick(5));

        assertThat(client.expect("list meters", "GET", OpenMeterUrl.METERS, Map.of(), null)
                        .isArray())
                .isTrue();
        assertThat(sent)
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.uri()).hasToString("http://openmeter:8888/api/v1/meters"));
        assertThat(client.reads()).isEqualTo(4);
        assertThat(progress)
                .containsExactly(
                        "  retrying list meters (attempt 2): HTTP 503",
                        "  retrying list meters (attempt 3): HTTP 429",
                        "  retrying list meters (attempt 4): ConnectException: Connection refused");
    }

    @Test
    void a_400_is_never_retried() {
        script.add(reply(
                400,
                Map.of("Content-Type", "application/problem+json"),
                "{\"title\":\"Bad Request\",\"detail\":\"bad key\",\"status\":400}"));
        OpenMeterClient client = client("https://us.api.konghq.com", Optional.empty(), quick(5));
        assertThatThrownBy(() -> client.expect(
                        "create meter x",
                        "POST",
                        OpenMeterUrl.METERS,
                        Map.of(),
                        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()))
                .isInstanceOfSatisfying(ApiProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(400);
                    assertThat(p.getMessage()).isEqualTo("create meter x: HTTP 400 Bad Request: bad key");
                });
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).headers().firstValue("Content-Type")).contains("application/json");
    }

    @Test
    void retries_wait_for_retry_after_in_seconds_and_as_an_http_date() {
        // the exponential backoff here is 1-2 ms: only an honoured Retry-After makes the call take a second each
        script.add(reply(429, Map.of("Retry-After", "1"), ""));
        script.add(reply(
                503,
                Map.of(
                        "Retry-After",
                        DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                clock.instant().plusSeconds(1).atZone(ZoneOffset.UTC))),
                ""));
        OpenMeterClient client = client(
                "http://openmeter:8888/api/v3",
                Optional.empty(),
                new Retries(2, new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(5))));
        long start = System.nanoTime();
        OpenMeterResponse response = client.send("list meters", "GET", OpenMeterUrl.METERS, Map.of(), null);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.status()).isEqualTo(200);
        assertThat(sent).hasSize(3);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void an_unreachable_server_is_a_problem_with_status_0_naming_the_root_never_the_token() throws IOException {
        for (int i = 0; i < 3; i++) {
            script.add(new ConnectException("Connection refused"));
        }
        OpenMeterClient client = client("http://127.0.0.1:1", Optional.of(TOKEN), quick(2));
        assertThatThrownBy(() -> client.expect("list meters", "GET", OpenMeterUrl.METERS, Map.of(), null))
                .isInstanceOfSatisfying(ApiProblem.class, p -> {
                    assertThat(p.status()).isZero();
                    assertThat(p.getMessage())
                            .contains("list meters: OpenMeter could not be reached")
                            .contains("http://127.0.0.1:1/api/v1")
                            .doesNotContain(TOKEN);
                });
        assertThat(sent).hasSize(3);

        script.add(new ConnectException("Connection refused"));
        OpenMeterClient once = client("http://127.0.0.1:1", Optional.of(TOKEN), quick(0));
        assertThatThrownBy(() -> once.ingest(new byte[] {'[', ']'})).isInstanceOf(ConnectException.class);
        assertThat(progress).noneMatch(line -> line.contains(TOKEN));
    }

    @Test
    void query_parameters_are_encoded_and_nulls_left_out() {
        client("http://openmeter:8888", Optional.empty(), quick(0))
                .send(
                        "list customers",
                        "GET",
                        OpenMeterUrl.CUSTOMERS,
                        OpenMeterClient.query("key", "acme:alice bob", "page", null),
                        null);
        assertThat(sent.get(0).uri()).hasToString("http://openmeter:8888/api/v1/customers?key=acme%3Aalice+bob");
    }

    @Test
    void a_v1_meter_query_gets_the_slug_grouped_by_subject_and_reads_values_exactly() {
        script.add(reply(
                200,
                Map.of(),
                "{\"data\":[{\"subject\":\"acme\",\"value\":3000000.123456789,\"windowStart\":\"x\","
                        + "\"windowEnd\":\"y\",\"groupBy\":{}},{\"subject\":null,\"value\":2}]}"));
        MeterUsage usage = client("http://openmeter:8888", Optional.empty(), quick(0))
                .queryMeterBySubject(
                        "network_fee_usd_micros",
                        Instant.parse("2026-08-20T00:00:00Z"),
                        Instant.parse("2026-08-21T00:00:00Z"));

        assertThat(sent.get(0).method()).isEqualTo("GET");
        assertThat(sent.get(0).uri())
                .hasToString("http://openmeter:8888/api/v1/meters/network_fee_usd_micros/query"
                        + "?from=2026-08-20T00%3A00%3A00Z&to=2026-08-21T00%3A00%3A00Z&groupBy=subject");
        assertThat(usage.bySubject())
                .containsEntry("acme", new java.math.BigDecimal("3000000.123456789"))
                .containsEntry("", new java.math.BigDecimal("2"));
    }

    @Test
    void a_v3_meter_query_finds_the_meter_id_by_key_then_posts_the_query() {
        script.add(reply(
                200,
                Map.of(),
                "{\"data\":[{\"id\":\"01JOLD0000000000000000000\",\"key\":\"fee_wei\","
                        + "\"deleted_at\":\"2026-01-01T00:00:00Z\"},"
                        + "{\"id\":\"01JLIVE000000000000000000\",\"key\":\"fee_wei\"}],"
                        + "\"meta\":{\"page\":{\"number\":1,\"size\":100,\"total\":2}}}"));
        script.add(reply(
                200,
                Map.of(),
                "{\"data\":[{\"from\":\"a\",\"to\":\"b\",\"dimensions\":{\"subject\":\"acme\"},"
                        + "\"value\":\"123456789012345678901.5\"}]}"));
        MeterUsage usage = client("https://us.api.konghq.com", Optional.of(TOKEN), quick(0))
                .queryMeterBySubject(
                        "fee_wei", Instant.parse("2026-08-20T00:00:00Z"), Instant.parse("2026-08-21T00:00:00Z"));

        assertThat(sent.get(0).uri())
                .hasToString("https://us.api.konghq.com/v3/openmeter/meters?filter%5Bkey%5D=fee_wei"
                        + "&page%5Bsize%5D=100&page%5Bnumber%5D=1");
        assertThat(sent.get(1).method()).isEqualTo("POST");
        assertThat(sent.get(1).uri())
                .hasToString("https://us.api.konghq.com/v3/openmeter/meters/01JLIVE000000000000000000/query");
        assertThat(sent.get(1).headers().firstValue("Authorization")).contains("Bearer " + TOKEN);
        assertThat(usage.rows())
                .containsExactly(new MeterUsage.Row("acme", new java.math.BigDecimal("123456789012345678901.5")));
    }

    @Test
    void a_v3_meter_that_does_not_exist_is_a_404_problem() {
        script.add(reply(200, Map.of(), "{\"data\":[],\"meta\":{\"page\":{\"number\":1,\"size\":100}}}"));
        assertThatThrownBy(() -> client("http://openmeter:8888/api/v3", Optional.empty(), quick(0))
                        .queryMeterBySubject("nope", Instant.EPOCH, Instant.EPOCH.plusSeconds(1)))
                .isInstanceOfSatisfying(
                        ApiProblem.class, p -> assertThat(p.status()).isEqualTo(404))
                .hasMessageContaining("no meter with key nope");
    }
}
