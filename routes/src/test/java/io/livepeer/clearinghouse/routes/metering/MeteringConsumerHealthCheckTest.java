package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** A consumer that is not consuming turns health DOWN with the reason (before: the kafka check alone, UP). */
class MeteringConsumerHealthCheckTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
    final AtomicReference<ServiceStatus> status = new AtomicReference<>(ServiceStatus.Started);
    final AtomicReference<Boolean> priceKnown = new AtomicReference<>(true);
    final AtomicReference<String> problem = new AtomicReference<>();
    final AtomicReference<Map<Integer, Long>> lag = new AtomicReference<>(Map.of());
    final AtomicReference<Instant> lastBatch = new AtomicReference<>();
    final java.util.concurrent.atomic.AtomicLong position = new java.util.concurrent.atomic.AtomicLong(100);
    final MeteringConsumerHealthCheck check = new MeteringConsumerHealthCheck(
            status::get,
            priceKnown::get,
            problem::get,
            lag::get,
            lastBatch::get,
            position::get,
            clock,
            Duration.ofMinutes(2));

    HealthCheck.Result call() throws Exception {
        try (var context = new DefaultCamelContext()) {
            check.setCamelContext(context);
            return check.call(Map.of());
        }
    }

    @Test
    void a_stopped_route_is_down_once_a_price_is_known() throws Exception {
        status.set(ServiceStatus.Stopped);
        priceKnown.set(false);
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);

        priceKnown.set(true);
        HealthCheck.Result result = call();
        assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(result.getMessage()).hasValue("metering consumer is not running: route signer-events is Stopped");
    }

    @Test
    void records_waiting_without_a_stored_batch_for_longer_than_stall_after_is_down() throws Exception {
        lag.set(Map.of(0, 4L, 1, 2L));
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);
        lastBatch.set(clock.instant());

        clock.advance(Duration.ofSeconds(90));
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);

        clock.advance(Duration.ofSeconds(60));
        HealthCheck.Result result = call();
        assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(result.getMessage().orElseThrow())
                .startsWith(
                        "metering consumer is not consuming: 6 record(s) waiting and no batch stored or committed for 150 s");

        // a batch is stored again: UP
        lastBatch.set(clock.instant());
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void an_instance_without_partitions_stays_up_while_the_group_commits() throws Exception {
        lag.set(Map.of(0, 3L));
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);
        for (int i = 0; i < 10; i++) {
            // another instance of the group consumes: the committed position moves, this one stores nothing
            clock.advance(Duration.ofSeconds(30));
            position.addAndGet(50);
            assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);
        }
        // the whole group stops
        clock.advance(Duration.ofSeconds(121));
        assertThat(call().getState()).isEqualTo(HealthCheck.State.DOWN);
    }

    @Test
    void an_idle_consumer_with_nothing_waiting_stays_up() throws Exception {
        lastBatch.set(clock.instant());
        clock.advance(Duration.ofDays(1));
        assertThat(call().getState()).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void a_terminated_kafka_consumer_task_is_down_with_the_reason() throws Exception {
        problem.set("Kafka consumer task clearinghouse-1 has terminated after OutOfMemoryError");
        HealthCheck.Result result = call();
        assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(result.getMessage().orElseThrow()).contains("has terminated after OutOfMemoryError");
    }
}
