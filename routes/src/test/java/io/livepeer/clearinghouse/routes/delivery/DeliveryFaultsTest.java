package io.livepeer.clearinghouse.routes.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries.Status;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Delivery against the OpenMeter stand-in when things go wrong (issue 9, defects 3 and 4): a server that refuses
 * everything pauses delivery (health DOWN with the reason) instead of rejecting every event, a bad event among good
 * ones is still rejected alone, and one event that makes its batch fail does not hold up the rest. The clock is moved
 * by hand, so backoffs of minutes pass in no time.
 */
class DeliveryFaultsTest {

    final MutableClock clock = new MutableClock();
    FakeOpenMeter openMeter;
    Database database;
    OutboxQueries outbox;
    SimpleMeterRegistry registry;
    OutboxDelivery delivery;
    DeliveryHealthCheck health;
    ExecutorService pool;
    int written;

    @BeforeEach
    void setUp() {
        openMeter = FakeOpenMeter.start();
        var target = TestDatabases.h2();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
        outbox = new OutboxQueries(database);
        delivery = delivery(20, 2);
    }

    OutboxDelivery delivery(int batchSize, int parallel) {
        registry = new SimpleMeterRegistry();
        DeliveryMetrics metrics = new DeliveryMetrics(registry);
        pool = Executors.newFixedThreadPool(parallel);
        OutboxDelivery d = new OutboxDelivery(
                new DeliveryQueue(database, "test-instance", Duration.ofMinutes(1)),
                DeliveryClient.open(openMeter.v1BaseUrl(), Optional.empty(), Duration.ofSeconds(30)),
                "fake (v1)",
                metrics,
                batchSize,
                parallel,
                Duration.ofSeconds(1),
                Duration.ofMinutes(5),
                pool,
                clock);
        metrics.watch(d);
        health = new DeliveryHealthCheck(d);
        health.setCamelContext(new DefaultCamelContext());
        return d;
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        openMeter.close();
        database.close();
    }

    void pending(int count) throws Exception {
        int from = written;
        written += count;
        new UsageRecorder(database, null, clock)
                .record(
                        IntStream.range(from, from + count)
                                .mapToObj(i -> new OutboxEntry(
                                        "e" + i,
                                        "acme:alice",
                                        "live",
                                        "unknown",
                                        clock.instant(),
                                        BigInteger.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.TEN,
                                        "{\"specversion\":\"1.0\",\"id\":\"e" + i + "\",\"source\":\"test\","
                                                + "\"type\":\"create_signed_ticket\",\"subject\":\"acme:alice\","
                                                + "\"data\":{\"n\":" + i + "}}",
                                        null,
                                        null))
                                .toList(),
                        List.of());
    }

    /** Passes as the delivery timer would run them, the clock moved past each backoff, until nothing is pending. */
    void deliverUntilDone(int maxPasses) throws Exception {
        for (int i = 0; i < maxPasses && outbox.pendingCount() > 0; i++) {
            delivery.deliverPending();
            clock.advance(Duration.ofMinutes(6));
        }
    }

    HealthCheck.Result health() {
        return health.call();
    }

    double blocked(String reason) {
        return registry.get("clearinghouse.delivery.blocked")
                .tag("reason", reason)
                .gauge()
                .value();
    }

    @Test
    void a_400_to_everything_rejects_nothing_pauses_with_health_down_and_everything_is_delivered_after_the_fix()
            throws Exception {
        pending(40);
        openMeter.refuseEverything(400, "invalid content type: application/cloudevents-batch+json; charset=UTF-8");

        for (int pass = 0; pass < 2; pass++) {
            delivery.deliverPending();
            assertThat(outbox.countByStatus())
                    .as("pass %d: a refusal of every event is not the events' fault", pass)
                    .containsEntry(Status.REJECTED, 0L)
                    .containsEntry(Status.PENDING, 40L);
            clock.advance(Duration.ofMinutes(6));
        }
        HealthCheck.Result down = health();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage())
                .hasValueSatisfying(m ->
                        assertThat(m).contains("paused, rejected by the server").contains("invalid content type"));
        assertThat(blocked("rejected")).isEqualTo(1.0);
        assertThat(blocked("unauthorized")).isZero();
        assertThat(delivery.metrics().rejectedCount()).isZero();

        openMeter.acceptAgain();
        deliverUntilDone(5);

        assertThat(outbox.countByStatus()).containsEntry(Status.DELIVERED, 40L).containsEntry(Status.REJECTED, 0L);
        assertThat(openMeter.acceptedIdCounts()).hasSize(40);
        assertThat(health().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(blocked("rejected")).isZero();
    }

    @ParameterizedTest(name = "HTTP {0}")
    @CsvSource({"401, unauthorized, unauthorized", "403, forbidden, forbidden", "404, not found, not_found"})
    void a_systemic_4xx_pauses_with_health_down_and_the_reason_and_everything_is_delivered_after_the_fix(
            int status, String label, String tag) throws Exception {
        pending(30);
        openMeter.refuseEverything(status, "scripted " + status);

        delivery.deliverPending();
        clock.advance(Duration.ofMinutes(6));
        delivery.deliverPending();

        HealthCheck.Result down = health();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage())
                .hasValueSatisfying(
                        m -> assertThat(m).contains("paused, " + label).contains("HTTP " + status));
        assertThat(down.getDetails()).containsEntry("paused", tag);
        assertThat(blocked(tag)).isEqualTo(1.0);
        assertThat(outbox.countByStatus()).containsEntry(Status.PENDING, 30L).containsEntry(Status.REJECTED, 0L);
        assertThat(outbox.list(null, Status.PENDING, null, 1).get(0).attempts())
                .as("the attempts are counted on the events")
                .isEqualTo(2);

        openMeter.acceptAgain();
        deliverUntilDone(5);

        assertThat(outbox.countByStatus()).containsEntry(Status.DELIVERED, 30L);
        assertThat(health().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(blocked(tag)).isZero();
    }

    @Test
    void a_genuinely_bad_event_among_good_ones_is_still_rejected_alone() throws Exception {
        pending(60);
        openMeter.rejectEvents(e -> e.path("id").asText().equals("e37"), "data.n must be a string");

        delivery.deliverPending();

        assertThat(outbox.countByStatus()).containsEntry(Status.DELIVERED, 59L).containsEntry(Status.REJECTED, 1L);
        assertThat(outbox.list(null, Status.REJECTED, null, 10)).singleElement().satisfies(e -> {
            assertThat(e.eventId()).isEqualTo("e37");
            assertThat(e.lastError()).startsWith("HTTP 400: ").contains("data.n must be a string");
        });
        assertThat(health().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(delivery.metrics().rejectedCount()).isEqualTo(1);
    }

    @Test
    void a_bad_event_pending_alone_pauses_once_and_is_rejected_once_other_events_are_accepted() throws Exception {
        pending(1);
        openMeter.rejectEvents(e -> e.path("id").asText().equals("e0"), "data.n must be a string");

        delivery.deliverPending();
        assertThat(outbox.countByStatus()).containsEntry(Status.REJECTED, 0L);
        assertThat(health().getState())
                .as("alone, a refusal cannot be told from a systemic one")
                .isEqualTo(HealthCheck.State.DOWN);

        pending(5);
        clock.advance(Duration.ofMinutes(6));
        delivery.deliverPending();

        assertThat(outbox.countByStatus()).containsEntry(Status.DELIVERED, 5L).containsEntry(Status.REJECTED, 1L);
        assertThat(health().getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void one_event_that_makes_its_batch_fail_does_not_hold_up_the_rest_and_is_delivered_once_accepted()
            throws Exception {
        delivery = delivery(100, 4);
        pending(1000);
        openMeter.failBatchesContaining(e -> e.path("id").asText().equals("e123"), 500);

        delivery.deliverPending();

        assertThat(outbox.countByStatus())
                .as("one pass: the failing batch is split at once, the rest of the backlog flows")
                .containsEntry(Status.DELIVERED, 999L)
                .containsEntry(Status.PENDING, 1L);
        assertThat(delivery.status().retryAt()).as("no global backoff").isNull();
        assertThat(health().getState()).isEqualTo(HealthCheck.State.UP);

        // the poison event keeps failing alone, with its own backoff, while new events go straight through
        for (int round = 0; round < 3; round++) {
            pending(50);
            clock.advance(Duration.ofMinutes(6));
            delivery.deliverPending();
            assertThat(outbox.countByStatus()).containsEntry(Status.PENDING, 1L);
        }
        var poison = outbox.list(null, Status.PENDING, null, 1).get(0);
        assertThat(poison.eventId()).isEqualTo("e123");
        assertThat(poison.attempts()).isEqualTo(4);
        assertThat(poison.lastError()).startsWith("HTTP 500");
        assertThat(delivery.status().retryAt()).isNull();

        openMeter.acceptAgain();
        deliverUntilDone(3);
        assertThat(outbox.countByStatus())
                .containsEntry(Status.DELIVERED, 1150L)
                .containsEntry(Status.REJECTED, 0L);
        assertThat(openMeter.acceptedIdCounts()).hasSize(1150);
    }

    @Test
    void a_batch_that_keeps_failing_is_split_over_the_passes_when_it_is_all_that_is_pending() throws Exception {
        delivery = delivery(100, 4);
        pending(80);
        openMeter.failBatchesContaining(e -> e.path("id").asText().equals("e60"), 503);
        Duration waited = Duration.ZERO;

        for (int pass = 0; pass < 20 && outbox.pendingCount() > 1; pass++) {
            delivery.deliverPending();
            Duration step = Optional.ofNullable(delivery.status().retryAt())
                    .map(at -> Duration.between(clock.instant(), at))
                    .orElse(Duration.ofMillis(200));
            clock.advance(step);
            waited = waited.plus(step);
        }

        assertThat(outbox.countByStatus()).containsEntry(Status.DELIVERED, 79L).containsEntry(Status.PENDING, 1L);
        assertThat(waited).as("every other event delivered within two minutes").isLessThan(Duration.ofMinutes(2));
        assertThat(outbox.list(null, Status.PENDING, null, 1).get(0).eventId()).isEqualTo("e60");
        assertThat(Map.copyOf(openMeter.acceptedIdCounts())).doesNotContainKey("e60");
    }
}
