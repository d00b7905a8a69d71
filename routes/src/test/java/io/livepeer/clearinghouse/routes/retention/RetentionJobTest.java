package io.livepeer.clearinghouse.routes.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.Retention;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pass reports (dry run) or removes, and says so in its metrics; a failed pass is counted, not thrown. */
class RetentionJobTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-08-20T10:00:00Z"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final RetentionMetrics metrics = new RetentionMetrics(registry);
    Database database;

    @BeforeEach
    void setUp() throws Exception {
        var target = TestDatabases.h2();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
        new UsageRecorder(database, null, clock)
                .record(
                        List.of(),
                        List.of(new DeadLetterEntry(
                                new KafkaCoordinates("signer", 0, 7),
                                null,
                                null,
                                "not JSON",
                                "{".getBytes(StandardCharsets.UTF_8))));
        clock.advance(Duration.ofDays(100));
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    RetentionJob job(boolean dryRun) {
        RetentionSettings settings = new RetentionSettings(
                dryRun,
                Optional.of(Duration.ofDays(90)),
                Optional.of(Duration.ofDays(90)),
                Duration.ofHours(6),
                Duration.ZERO,
                100);
        return new RetentionJob(new Retention(database, clock), settings, metrics, clock);
    }

    double value(String name, String kind) {
        return registry.get(name)
                .tag("kind", kind)
                .meter()
                .measure()
                .iterator()
                .next()
                .getValue();
    }

    @Test
    void a_dry_run_reports_what_it_would_remove_and_removes_nothing() throws Exception {
        Retention.Report report = job(true).run();
        assertThat(report.deadLetters()).isEqualTo(1);
        assertThat(new DeadLetters(database).count()).isEqualTo(1);
        assertThat(value("clearinghouse.retention.eligible", RetentionMetrics.DEAD_LETTER))
                .isEqualTo(1.0);
        assertThat(value("clearinghouse.retention.removed", RetentionMetrics.DEAD_LETTER))
                .isZero();

        assertThat(job(false).run().deadLetters()).isEqualTo(1);
        assertThat(new DeadLetters(database).count()).isZero();
        assertThat(value("clearinghouse.retention.removed", RetentionMetrics.DEAD_LETTER))
                .isEqualTo(1.0);
        assertThat(value("clearinghouse.retention.eligible", RetentionMetrics.DEAD_LETTER))
                .isZero();
        assertThat(registry.get("clearinghouse.retention.runs")
                        .tag("outcome", "success")
                        .counter()
                        .count())
                .isEqualTo(2.0);
        assertThat(registry.get("clearinghouse.retention.last.success.timestamp.seconds")
                        .gauge()
                        .value())
                .isEqualTo((double) clock.instant().getEpochSecond());
    }

    @Test
    void a_pass_that_cannot_reach_the_database_is_counted_and_the_next_one_tries_again() {
        database.close();
        assertThat(job(false).run()).isNull();
        assertThat(registry.get("clearinghouse.retention.runs")
                        .tag("outcome", "failure")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }
}
