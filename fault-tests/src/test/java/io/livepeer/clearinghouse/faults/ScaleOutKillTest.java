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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, defect 2 (scale-out): two instances on one embedded PostgreSQL database and one consumer group on a
 * topic with 4 partitions, {@code fault.events} events; instance A is SIGKILLed midway and restarted (A2). Every event
 * is delivered, none is lost, and no event is delivered by two instances that were both alive.
 *
 * <p>Each instance life delivers to its own OpenMeter stand-in (A, B, A2), so the test knows who sent what. An event
 * sent by A and again by B or A2 after A was killed is A's crash window (A died between OpenMeter's 2xx and marking
 * the event delivered; the claim lease ran out and another instance sent it again): counted, at most one pass of A
 * (4 requests × 100 events). An event sent by A and by B before the kill, or by B and A2, is a double delivery by
 * two live instances: there must be none.
 *
 * <p>Also measured: the takeover time, from the kill until every partition (A's included) is consumed again.
 */
class ScaleOutKillTest {

    private static final int ONE_PASS = 4 * 100;

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

    @Test
    void twoInstancesOnePostgresOneKilledMidwayDeliverEveryEventOnce() {
        JdbcTarget database = TestDatabases.postgres();
        int events = FaultRig.EVENTS;
        try (FaultRig rig = new FaultRig(broker, "scale-out");
                FakeOpenMeter openMeterA = FakeOpenMeter.start().countOnly();
                FakeOpenMeter openMeterB = FakeOpenMeter.start().countOnly();
                FakeOpenMeter openMeterA2 = FakeOpenMeter.start().countOnly()) {
            Map<String, String> env = rig.appEnv(database, openMeterA.v1BaseUrl());
            List<FakeOpenMeter> all = List.of(openMeterA, openMeterB, openMeterA2);
            Instant start = Instant.now();
            List<String> ids = new ArrayList<>(rig.produce(events / 2));
            Duration takeover;
            Set<String> deliveredByBBeforeKill;
            ClearinghouseProcess a = null;
            ClearinghouseProcess b = null;
            ClearinghouseProcess a2 = null;
            try {
                a = ClearinghouseProcess.start("scale-out-a", env, temp.resolve("a"), FaultRig.LOGS);
                b = ClearinghouseProcess.start(
                        "scale-out-b",
                        with(env, "OPENMETER_URL", openMeterB.v1BaseUrl()),
                        temp.resolve("b"),
                        FaultRig.LOGS);
                // midway: a quarter of all events delivered, while both instances meter and deliver
                await("a quarter delivered")
                        .atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> union(all).size() >= events / 4);
                a.kill();
                Instant killedAt = Instant.now();
                deliveredByBBeforeKill =
                        new HashSet<>(openMeterB.acceptedIdCounts().keySet());
                Map<TopicPartition, Long> before = endOffsets(rig);
                ids.addAll(rig.produce(events - events / 2));
                await("every partition consumed again after the kill")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            Map<TopicPartition, Long> committed = rig.committedByPartition();
                            return before.entrySet().stream()
                                    .allMatch(e -> committed.getOrDefault(e.getKey(), 0L) > e.getValue());
                        });
                takeover = Duration.between(killedAt, Instant.now());
                a2 = ClearinghouseProcess.start(
                        "scale-out-a2",
                        with(env, "OPENMETER_URL", openMeterA2.v1BaseUrl()),
                        temp.resolve("a2"),
                        FaultRig.LOGS);
                await("every event delivered")
                        .atMost(Duration.ofMinutes(5))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> union(all).size() >= events);
                await("outbox empty")
                        .atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> FaultRig.pending(database) == 0);
            } finally {
                for (ClearinghouseProcess app : new ClearinghouseProcess[] {a2, b, a}) {
                    if (app != null) {
                        app.stop();
                    }
                }
            }
            Duration took = Duration.between(start, Instant.now());
            FaultRig.OutboxCounts outbox = FaultRig.outboxCounts(database);
            Map<String, Integer> byA = openMeterA.acceptedIdCounts();
            Map<String, Integer> byB = openMeterB.acceptedIdCounts();
            Map<String, Integer> byA2 = openMeterA2.acceptedIdCounts();
            Set<String> delivered = union(all);
            long lost = ids.stream().filter(id -> !delivered.contains(id)).count();
            long bothAlive = 0;
            long crashWindow = 0;
            for (String id : delivered) {
                boolean sentByA = byA.containsKey(id);
                boolean sentByB = byB.containsKey(id);
                boolean sentByA2 = byA2.containsKey(id);
                if ((sentByA && deliveredByBBeforeKill.contains(id)) || (sentByB && sentByA2)) {
                    bothAlive++;
                } else if (sentByA && (sentByB || sentByA2)) {
                    crashWindow++;
                }
            }
            long sameInstance = all.stream()
                    .mapToLong(f -> f.acceptedTotal() - f.acceptedDistinct())
                    .sum();
            FaultRig.report(String.format(
                    "scale-out test: sent %d, delivered %d (A %d, B %d, A2 %d), delivered twice by two live instances"
                            + " %d, by the killed A and again after its kill (crash window) %d, resent by the same"
                            + " instance %d, lost %d, outbox rows %d, pending %d, takeover after kill %s, %s",
                    events,
                    delivered.size(),
                    byA.size(),
                    byB.size(),
                    byA2.size(),
                    bothAlive,
                    crashWindow,
                    sameInstance,
                    lost,
                    outbox.rows(),
                    outbox.pending(),
                    FaultRig.seconds(takeover),
                    FaultRig.seconds(took)));
            assertThat(lost).as("lost").isZero();
            assertThat(outbox.rows()).as("each event metered exactly once").isEqualTo(events);
            assertThat(outbox.ids()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(outbox.pending() + outbox.rejected())
                    .as("pending and rejected")
                    .isZero();
            assertThat(bothAlive).as("events delivered by two live instances").isZero();
            assertThat(crashWindow).as("A's crash window: at most one pass").isLessThanOrEqualTo(ONE_PASS);
        }
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> copy = new HashMap<>(env);
        copy.put(key, value);
        return copy;
    }

    private static Set<String> union(List<FakeOpenMeter> openMeters) {
        Set<String> ids = new HashSet<>();
        openMeters.forEach(f -> ids.addAll(f.acceptedIdCounts().keySet()));
        return ids;
    }

    /** The end offset of each partition now. */
    private static Map<TopicPartition, Long> endOffsets(FaultRig rig) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (int p = 0; p < FaultRig.PARTITIONS; p++) {
            ends.put(new TopicPartition(rig.topic, p), rig.endOffset(p));
        }
        return ends;
    }
}
