package io.livepeer.clearinghouse.routes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The database check answers a probe within a second, even when a connection would take the pool's 10 s. */
class DatabaseHealthCheckTest {

    static HealthCheck.Result call(DatabaseHealthCheck check) throws Exception {
        try (var context = new DefaultCamelContext()) {
            check.setCamelContext(context);
            return check.call(Map.of());
        }
    }

    @Test
    void an_exhausted_pool_is_down_with_the_reason_within_seconds_not_after_the_pool_timeout() throws Exception {
        var target = TestDatabases.h2();
        try (Database database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 1))) {
            DatabaseHealthCheck check = new DatabaseHealthCheck(database);
            assertThat(call(check).getState()).isEqualTo(HealthCheck.State.UP);

            CountDownLatch holding = new CountDownLatch(2); // the pool keeps at least 2 connections: hold both
            CountDownLatch release = new CountDownLatch(1);
            var holders = Executors.newFixedThreadPool(2);
            java.util.List<java.util.concurrent.Future<Object>> held = new java.util.ArrayList<>();
            for (int n = 0; n < 2; n++) {
                held.add(holders.submit(() -> database.withHandle(h -> {
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                })));
            }
            holding.await();
            try {
                // the safety stop is far below the pool's 10 s connection timeout
                HealthCheck.Result result = assertTimeoutPreemptively(Duration.ofSeconds(4), () -> call(check));
                assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
                assertThat(result.getMessage())
                        .hasValueSatisfying(m -> assertThat(m).contains("within 1 s"));
            } finally {
                release.countDown();
                for (var h : held) {
                    h.get();
                }
            }
        }
    }
}
