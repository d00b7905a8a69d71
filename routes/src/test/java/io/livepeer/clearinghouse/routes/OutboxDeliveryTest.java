package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.openmeter.EventIngest;
import io.livepeer.clearinghouse.openmeter.OpenMeterResponse;
import io.livepeer.clearinghouse.openmeter.Transport;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.delivery.DeliveryClient;
import io.livepeer.clearinghouse.routes.delivery.DeliveryMetrics;
import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Delivery decisions against a scripted OpenMeter and a real outbox, with a clock the test moves. */
class OutboxDeliveryTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-08-20T10:00:00Z"));
    Database database;
    DeliveryQueue queue;
    OutboxQueries outbox;
    DeliveryMetrics metrics;
    final List<List<String>> posted = new ArrayList<>();
    final Deque<Function<List<String>, OpenMeterResponse>> script = new ArrayDeque<>();
    Function<List<String>, OpenMeterResponse> otherwise = ids -> new OpenMeterResponse(204, Optional.empty(), "");

    @BeforeEach
    void setUp() throws Exception {
        var target = TestDatabases.h2();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
        queue = new DeliveryQueue(database, "test", Duration.ofMinutes(1));
        outbox = new OutboxQueries(database);
        metrics = new DeliveryMetrics(new SimpleMeterRegistry());
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    OutboxDelivery delivery(int batchSize, int parallel) {
        EventIngest ingest = body -> {
            List<String> ids = new ArrayList<>();
            try {
                Json.mapper().readTree(body).forEach(e -> ids.add(e.path("id").asText()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            synchronized (posted) {
                posted.add(ids);
            }
            Function<List<String>, OpenMeterResponse> next;
            synchronized (script) {
                next = script.poll();
            }
            if (next == null) {
                next = otherwise;
            }
            if (next == THROW) {
                throw new IOException("connection refused");
            }
            return next.apply(ids);
        };
        return new OutboxDelivery(
                queue,
                ingest,
                "http://openmeter.test (v1)",
                metrics,
                batchSize,
                parallel,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                Executors.newFixedThreadPool(parallel),
                clock);
    }

    static final Function<List<String>, OpenMeterResponse> THROW = ids -> null;

    void pending(int count) throws Exception {
        new UsageRecorder(database, null, clock)
                .record(
                        IntStream.range(0, count)
                                .mapToObj(i -> new OutboxEntry(
                                        "e" + i,
                                        "c:u",
                                        "live",
                                        "unknown",
                                        clock.instant(),
                                        BigInteger.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.TEN,
                                        "{\"id\":\"e" + i + "\",\"subject\":\"c:u\"}",
                                        null,
                                        null))
                                .toList(),
                        List.of());
    }

    static OpenMeterResponse status(int code) {
        return new OpenMeterResponse(code, Optional.empty(), "{\"detail\":\"status " + code + "\"}");
    }

    @Test
    void events_go_out_in_outbox_order_in_batches_of_at_most_the_batch_size() throws Exception {
        pending(250);
        assertThat(delivery(100, 1).deliverPending()).isEqualTo(250);
        assertThat(posted).extracting(List::size).containsExactly(100, 100, 50);
        assertThat(posted.get(0).get(0)).isEqualTo("e0");
        assertThat(posted.get(2).get(49)).isEqualTo("e249");
        assertThat(outbox.pendingCount()).isZero();
    }

    @Test
    void parallel_requests_still_deliver_every_event_exactly_once() throws Exception {
        pending(1000);
        assertThat(delivery(100, 4).deliverPending()).isEqualTo(1000);
        assertThat(posted.stream().flatMap(List::stream).distinct().count()).isEqualTo(1000);
        assertThat(posted.stream().mapToInt(List::size).sum()).isEqualTo(1000);
        assertThat(metrics.deliveredCount()).isEqualTo(1000);
    }

    @Test
    void a_rejected_batch_is_bisected_down_to_the_bad_events_only() throws Exception {
        pending(100);
        otherwise = ids -> ids.contains("e13") || ids.contains("e77") ? status(400) : status(204);
        delivery(100, 1).deliverPending();

        assertThat(outbox.countByStatus())
                .containsEntry(OutboxQueries.Status.DELIVERED, 98L)
                .containsEntry(OutboxQueries.Status.REJECTED, 2L);
        assertThat(outbox.list(null, OutboxQueries.Status.REJECTED, null, 10))
                .extracting(OutboxQueries.OutboxEventView::eventId)
                .containsExactlyInAnyOrder("e13", "e77");
        assertThat(outbox.list(null, OutboxQueries.Status.REJECTED, null, 10)
                        .get(0)
                        .lastError())
                .isEqualTo("HTTP 400: {\"detail\":\"status 400\"}");
        // log2(100) levels of halving, not 100 single-event requests
        assertThat(posted.size()).isLessThan(30);
        assertThat(metrics.rejectedCount()).isEqualTo(2);
    }

    @Test
    void a_413_splits_the_batch_until_it_fits() throws Exception {
        pending(100);
        otherwise = ids -> ids.size() > 30 ? status(413) : status(204);
        delivery(100, 1).deliverPending();
        assertThat(outbox.countByStatus()).containsEntry(OutboxQueries.Status.DELIVERED, 100L);
    }

    @Test
    void server_errors_reject_nothing_and_back_off_exponentially() throws Exception {
        pending(10);
        otherwise = ids -> status(503);
        OutboxDelivery delivery = delivery(100, 1);

        assertThat(delivery.deliverPending()).isZero();
        OutboxDelivery.Status first = delivery.status();
        assertThat(first.state()).isEqualTo(OutboxDelivery.State.BACKING_OFF);
        assertThat(first.lastError()).startsWith("HTTP 503");
        Duration firstWait = Duration.between(clock.instant(), first.retryAt());
        assertThat(firstWait).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));

        assertThat(delivery.deliverPending()).isZero(); // still backing off: no request
        assertThat(posted).hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        delivery.deliverPending();
        Duration secondWait =
                Duration.between(clock.instant(), delivery.status().retryAt());
        assertThat(secondWait).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(outbox.countByStatus()).containsEntry(OutboxQueries.Status.PENDING, 10L);
        assertThat(outbox.list(null, OutboxQueries.Status.PENDING, null, 1)
                        .get(0)
                        .attempts())
                .isEqualTo(2);

        otherwise = ids -> status(204);
        clock.advance(Duration.ofSeconds(2));
        assertThat(delivery.deliverPending()).isEqualTo(10);
        assertThat(delivery.status().state()).isEqualTo(OutboxDelivery.State.IDLE);
        assertThat(delivery.status().consecutiveFailures()).isZero();
        // every send after the first attempt is a re-send: OpenMeter counts it twice unless it deduplicates
        assertThat(metrics.resentCount()).isEqualTo(20);
    }

    @Test
    void retry_after_is_honoured() throws Exception {
        pending(1);
        script.add(ids -> new OpenMeterResponse(429, Optional.of(Duration.ofSeconds(42)), "slow down"));
        OutboxDelivery delivery = delivery(100, 1);
        delivery.deliverPending();
        assertThat(delivery.status().retryAt()).isEqualTo(clock.instant().plusSeconds(42));
        assertThat(delivery.status().lastError()).contains("HTTP 429 (rate limited)");
        clock.advance(Duration.ofSeconds(41));
        delivery.deliverPending();
        assertThat(posted).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        delivery.deliverPending();
        assertThat(outbox.pendingCount()).isZero();
    }

    @Test
    void an_http_date_retry_after_from_the_openmeter_client_pauses_delivery_until_that_date() throws Exception {
        pending(1);
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        EventIngest client = DeliveryClient.open(
                "http://openmeter.test",
                Optional.empty(),
                Duration.ofSeconds(1),
                request -> new Transport.Reply(
                        503, HttpHeaders.of(Map.of("Retry-After", List.of(inAMinute)), (k, v) -> true), ""));
        OutboxDelivery delivery = new OutboxDelivery(
                queue,
                client,
                "http://openmeter.test (v1)",
                metrics,
                100,
                1,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                Executors.newFixedThreadPool(1),
                clock);
        delivery.deliverPending();
        assertThat(Duration.between(clock.instant(), delivery.status().retryAt()))
                .as("the date's delay, not the 1 s exponential backoff")
                .isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60));
        assertThat(outbox.pendingCount()).isEqualTo(1);
    }

    @Test
    void a_retry_after_beyond_an_hour_is_cut_to_an_hour() throws Exception {
        pending(1);
        script.add(ids -> new OpenMeterResponse(429, Optional.of(Duration.ofDays(2)), "come back later"));
        OutboxDelivery delivery = delivery(100, 1);
        delivery.deliverPending();
        assertThat(delivery.status().retryAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void an_unauthorised_token_or_a_lost_connection_rejects_no_event() throws Exception {
        pending(5);
        script.add(ids -> status(401));
        script.add(THROW);
        OutboxDelivery delivery = delivery(100, 1);
        delivery.deliverPending();
        assertThat(delivery.status().lastError()).contains("401").contains("OPENMETER_API_KEY");
        clock.advance(Duration.ofMinutes(2));
        delivery.deliverPending();
        assertThat(delivery.status().lastError())
                .contains("no answer from OpenMeter")
                .contains("connection refused");
        assertThat(outbox.countByStatus())
                .containsEntry(OutboxQueries.Status.PENDING, 5L)
                .containsEntry(OutboxQueries.Status.REJECTED, 0L);
        clock.advance(Duration.ofMinutes(2));
        delivery.deliverPending();
        assertThat(outbox.countByStatus()).containsEntry(OutboxQueries.Status.DELIVERED, 5L);
    }

    @Test
    void without_openmeter_events_stay_pending_and_the_backlog_is_visible() throws Exception {
        pending(7);
        OutboxDelivery delivery = new OutboxDelivery(
                queue, null, null, metrics, 100, 1, Duration.ofSeconds(1), Duration.ofSeconds(60), null, clock);
        clock.advance(Duration.ofSeconds(30));
        assertThat(delivery.deliverPending()).isZero();
        assertThat(delivery.status().state()).isEqualTo(OutboxDelivery.State.DISABLED);
        assertThat(outbox.pendingCount()).isEqualTo(7);
        var registry = new SimpleMeterRegistry();
        var gauges = new DeliveryMetrics(registry);
        new OutboxDelivery(
                        queue, null, null, gauges, 100, 1, Duration.ofSeconds(1), Duration.ofSeconds(60), null, clock)
                .refreshBacklog();
        assertThat(registry.get("clearinghouse.outbox.backlog").gauge().value()).isEqualTo(7.0);
        assertThat(registry.get("clearinghouse.outbox.oldest.pending.seconds")
                        .gauge()
                        .value())
                .isEqualTo(30.0);
    }

    @Test
    void the_backlog_gauges_move_while_a_delivery_request_hangs() throws Exception {
        pending(40);
        var registry = new SimpleMeterRegistry();
        var gauges = new DeliveryMetrics(registry);
        java.util.concurrent.CountDownLatch requestStarted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch openMeterAnswers = new java.util.concurrent.CountDownLatch(1);
        OutboxDelivery delivery = new OutboxDelivery(
                queue,
                body -> {
                    requestStarted.countDown();
                    try {
                        openMeterAnswers.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return status(204);
                },
                "hanging (v1)",
                gauges,
                100,
                1,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                Executors.newSingleThreadExecutor(),
                clock);
        var pass = Executors.newSingleThreadExecutor().submit(delivery::deliverPending);
        requestStarted.await();

        clock.advance(Duration.ofSeconds(45));
        delivery.refreshBacklog();
        assertThat(registry.get("clearinghouse.outbox.backlog").gauge().value()).isEqualTo(40.0);
        assertThat(registry.get("clearinghouse.outbox.oldest.pending.seconds")
                        .gauge()
                        .value())
                .isEqualTo(45.0);

        openMeterAnswers.countDown();
        assertThat(pass.get()).isEqualTo(40);
        delivery.refreshBacklog();
        assertThat(registry.get("clearinghouse.outbox.backlog").gauge().value()).isZero();
    }
}
