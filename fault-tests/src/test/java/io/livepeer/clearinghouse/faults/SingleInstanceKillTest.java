package io.livepeer.clearinghouse.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, defect 7: one instance, SIGKILLed at random points {@code fault.kills} times while it meters and delivers
 * {@code fault.events} events, on an H2 file and on PostgreSQL. Nothing may be lost: every event is in
 * {@code outbox_events} exactly once and was accepted by OpenMeter at least once. Duplicates may come only from the
 * crash window of delivery (a batch sent, the instance killed before it marked it delivered): at most
 * {@code batch-size × parallel-requests} (400) events per kill. The counts are printed and appended to
 * {@code target/fault-runs/summary.txt}.
 *
 * <p>Each kill falls in its own slice of the run's progress (committed Kafka offsets plus distinct events delivered,
 * 0 … 2 × events), at a random point of the slice, so every instance is killed while it works.
 */
class SingleInstanceKillTest {

    /** Delivery's crash window per kill: requests in flight × events per request (application.properties). */
    private static final int IN_FLIGHT_PER_KILL = 4 * 100;

    private static KafkaTestBroker broker;

    @TempDir
    Path temp;

    @BeforeAll
    static void startBroker() {
        broker = KafkaTestBroker.start(FaultRig.BROKER_CONFIG);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void sigkillAtRandomPointsLosesNothing(String engine) throws java.io.IOException {
        // -Dfault.engines=h2 repeats one engine's variant (e.g. in a loop of seeds); both by default
        Assumptions.assumeTrue(
                List.of(System.getProperty("fault.engines", "h2,postgresql").split(","))
                        .contains(engine),
                "fault.engines excludes " + engine);
        JdbcTarget database = engine.equals("h2")
                ? new JdbcTarget("h2", "jdbc:h2:file:" + temp.resolve("db").resolve("clearinghouse"), "sa", "")
                : TestDatabases.postgres();
        int events = FaultRig.EVENTS;
        int kills = FaultRig.KILLS;
        long seed = Long.getLong("fault.seed", System.nanoTime());
        Random random = new Random(seed);
        // printed first, so a failing run can be repeated with -Dfault.seed=…
        System.out.println("kill test " + engine + ": seed " + seed);
        try (FaultRig rig = new FaultRig(broker, "kill-" + engine);
                FakeOpenMeter openMeter = FakeOpenMeter.start().countOnly()) {
            Map<String, String> env = rig.appEnv(database, openMeter.v1BaseUrl());
            Instant start = Instant.now();
            List<String> ids = rig.produce(events);
            long total = 2L * events;
            ClearinghouseProcess app = null;
            try {
                for (int kill = 0; kill <= kills; kill++) {
                    app = ClearinghouseProcess.start(
                            "kill-" + engine + "-" + kill, env, temp.resolve("work"), FaultRig.LOGS);
                    if (kill == kills) {
                        break;
                    }
                    // a random point in this instance's slice of the run, and at least one step of its own
                    long sliceStart = total * kill / (kills + 1);
                    long target = Math.max(
                            sliceStart + (long) (random.nextDouble() * total / (kills + 1)),
                            progress(rig, openMeter) + 1);
                    ClearinghouseProcess running = app;
                    try {
                        await("instance " + kill + " reaching progress " + target)
                                .atMost(Duration.ofMinutes(3))
                                .pollInterval(Duration.ofMillis(50))
                                .until(() -> !running.isAlive() || progress(rig, openMeter) >= target);
                    } catch (ConditionTimeoutException e) {
                        keepStalledDatabase(engine, seed);
                        throw e;
                    }
                    assertThat(app.isAlive()).as("%s still running", app).isTrue();
                    app.kill();
                }
                awaitAllDelivered(rig, openMeter, events);
                // events a killed instance had sent but not marked are sent again once its claims expire
                ClearinghouseProcess last = app;
                await("outbox empty")
                        .atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> !last.isAlive() || FaultRig.pending(database) == 0);
            } finally {
                if (app != null) {
                    app.stop();
                }
            }
            Duration took = Duration.between(start, Instant.now());
            FaultRig.OutboxCounts outbox = FaultRig.outboxCounts(database);
            Map<String, Integer> delivered = openMeter.acceptedIdCounts();
            long lost = ids.stream().filter(id -> !delivered.containsKey(id)).count();
            long lostFromOutbox =
                    ids.stream().filter(id -> !outbox.ids().contains(id)).count();
            long duplicates = openMeter.acceptedTotal() - delivered.size();
            FaultRig.report(String.format(
                    "kill test %s: sent %d, delivered %d, duplicates %d, lost %d (missing from outbox %d), kills %d,"
                            + " outbox rows %d, pending %d, rejected %d, dead letters %d, %s (seed %d)",
                    engine,
                    events,
                    delivered.size(),
                    duplicates,
                    lost,
                    lostFromOutbox,
                    kills,
                    outbox.rows(),
                    outbox.pending(),
                    outbox.rejected(),
                    outbox.deadLetters(),
                    FaultRig.seconds(took),
                    seed));
            assertThat(lost).as("events never delivered").isZero();
            assertThat(lostFromOutbox).as("events missing from outbox_events").isZero();
            assertThat(outbox.rows()).as("each event metered exactly once").isEqualTo(events);
            assertThat(outbox.pending() + outbox.rejected() + outbox.deadLetters())
                    .as("pending, rejected, dead letters")
                    .isZero();
            assertThat(delivered.keySet()).as("nothing but what was sent").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(duplicates)
                    .as("duplicates beyond the crash window (%d in flight per kill)", IN_FLIGHT_PER_KILL)
                    .isLessThanOrEqualTo((long) kills * IN_FLIGHT_PER_KILL);
        }
    }

    /**
     * A stalled H2 run's database files, copied beside the logs before the temporary directory goes (open them
     * offline: INFORMATION_SCHEMA.SESSIONS and LOCKS, H2's Recover tool).
     */
    private void keepStalledDatabase(String engine, long seed) throws java.io.IOException {
        Path files = temp.resolve("db");
        if (!engine.equals("h2") || !java.nio.file.Files.isDirectory(files)) {
            return;
        }
        Path copy = FaultRig.LOGS.resolve("stalled-" + engine + "-" + seed);
        java.nio.file.Files.createDirectories(copy);
        try (var list = java.nio.file.Files.list(files)) {
            for (Path file : (Iterable<Path>) list::iterator) {
                java.nio.file.Files.copy(
                        file, copy.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.out.println("stalled: database files copied to " + copy);
    }

    /** Committed offsets plus distinct events delivered: 0 … 2 × events. */
    private static long progress(FaultRig rig, FakeOpenMeter openMeter) {
        return rig.committed() + openMeter.acceptedDistinct();
    }

    /**
     * Waits until every event was delivered, or until delivery has stalled for 30 s with every record consumed (lost
     * events never arrive); the assertions that follow report what is missing.
     */
    static void awaitAllDelivered(FaultRig rig, FakeOpenMeter openMeter, int events) {
        long[] last = {-1, System.nanoTime()};
        try {
            await("every event delivered")
                    .atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        int delivered = openMeter.acceptedDistinct();
                        if (delivered >= events) {
                            return true;
                        }
                        if (delivered != last[0]) {
                            last[0] = delivered;
                            last[1] = System.nanoTime();
                            return false;
                        }
                        return rig.committed() >= events
                                && System.nanoTime() - last[1]
                                        > Duration.ofSeconds(30).toNanos();
                    });
        } catch (ConditionTimeoutException e) {
            System.out.println("not every event was delivered: " + e.getMessage());
        }
    }
}
