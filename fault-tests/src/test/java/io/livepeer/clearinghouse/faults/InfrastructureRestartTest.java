package io.livepeer.clearinghouse.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 ("a restart of PostgreSQL and of the Kafka broker mid-stream: the application recovers by itself, nothing
 * lost"): one instance on its own embedded PostgreSQL (a fixed port and data directory, so it can be stopped and
 * started again) and a broker on fixed ports (stopped and started on the same log). While events flow, PostgreSQL is
 * stopped until the application's health says the database is DOWN, then started; the broker likewise. Nobody
 * restarts the application: every event must be metered once and delivered.
 */
class InfrastructureRestartTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void theApplicationRecoversFromAPostgresRestartAndABrokerRestartByItself() throws Exception {
        int events = FaultRig.EVENTS;
        int pgPort = ClearinghouseProcess.freePort();
        Path pgData = temp.resolve("pgdata");
        Map<String, String> brokerConfig = new HashMap<>(FaultRig.BROKER_CONFIG);
        brokerConfig.put(
                "listeners",
                "EXTERNAL://localhost:" + ClearinghouseProcess.freePort() + ",CONTROLLER://localhost:"
                        + ClearinghouseProcess.freePort());
        EmbeddedPostgres postgres = startPostgres(pgData, pgPort);
        try (KafkaTestBroker broker = KafkaTestBroker.start(brokerConfig);
                FaultRig rig = new FaultRig(broker, "restarts");
                FakeOpenMeter openMeter = FakeOpenMeter.start().countOnly()) {
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE clearinghouse");
            }
            JdbcTarget database = new JdbcTarget(
                    "postgresql", postgres.getJdbcUrl("postgres", "clearinghouse"), "postgres", "postgres");
            Instant start = Instant.now();
            List<String> ids = new ArrayList<>(rig.produce(events / 3));
            Map<String, String> env = new HashMap<>(rig.appEnv(database, openMeter.v1BaseUrl()));
            // delivery retries within seconds once the database is back (the default cap is 5 min)
            env.put("CLEARINGHOUSE_OPENMETER_MAX_BACKOFF", "2s");
            ClearinghouseProcess app = ClearinghouseProcess.start("restarts", env, temp, FaultRig.LOGS);
            Duration databaseDown;
            Duration brokerDown;
            try {
                await("first events delivered")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> openMeter.acceptedDistinct() >= events / 6);

                postgres.close();
                Instant stopped = Instant.now();
                ids.addAll(rig.produce(events / 3));
                awaitCheck(app, "database", "DOWN");
                postgres = startPostgres(pgData, pgPort);
                databaseDown = Duration.between(stopped, Instant.now());
                await("delivery after the database restart")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> openMeter.acceptedDistinct() >= 2 * (events / 3));

                broker.stopBroker();
                stopped = Instant.now();
                awaitCheck(app, "kafka", "DOWN");
                broker.startBroker();
                brokerDown = Duration.between(stopped, Instant.now());
                ids.addAll(rig.produce(events - 2 * (events / 3)));
                SingleInstanceKillTest.awaitAllDelivered(rig, openMeter, events);
                // events OpenMeter accepted while the database was down could not be marked delivered: they are
                // sent again (counted below as duplicates) before the outbox is empty
                await("outbox empty")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> FaultRig.pending(database) == 0);
                awaitCheck(app, "kafka", "UP");
                awaitCheck(app, "database", "UP");
            } finally {
                app.stop();
            }
            Duration took = Duration.between(start, Instant.now());
            FaultRig.OutboxCounts outbox = FaultRig.outboxCounts(database);
            Map<String, Integer> delivered = openMeter.acceptedIdCounts();
            long lost = ids.stream().filter(id -> !delivered.containsKey(id)).count();
            long duplicates = openMeter.acceptedTotal() - delivered.size();
            FaultRig.report(String.format(
                    "restart test: sent %d, delivered %d, duplicates %d, lost %d, outbox rows %d, pending %d,"
                            + " PostgreSQL down %s, broker down %s, %s",
                    events,
                    delivered.size(),
                    duplicates,
                    lost,
                    outbox.rows(),
                    outbox.pending(),
                    FaultRig.seconds(databaseDown),
                    FaultRig.seconds(brokerDown),
                    FaultRig.seconds(took)));
            assertThat(lost).as("lost").isZero();
            assertThat(outbox.rows()).as("each event metered exactly once").isEqualTo(events);
            assertThat(outbox.pending() + outbox.rejected() + outbox.deadLetters())
                    .as("pending, rejected, dead letters")
                    .isZero();
        } finally {
            postgres.close();
        }
    }

    /** Same data directory and port every time: a restart, not a new server. */
    private static EmbeddedPostgres startPostgres(Path dataDir, int port) {
        try {
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("fsync", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start on " + dataDir, e);
        }
    }

    /** Waits until the application's health check {@code name} has this status. */
    private static void awaitCheck(ClearinghouseProcess app, String name, String status) {
        await("health check " + name + " " + status)
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> status.equals(checkStatus(app, name).orElse("")));
    }

    private static Optional<String> checkStatus(ClearinghouseProcess app, String name) {
        return app.health().flatMap(body -> {
            try {
                for (JsonNode check : JSON.readTree(body).path("checks")) {
                    if (name.equals(check.path("name").asText())) {
                        return Optional.of(check.path("status").asText());
                    }
                }
                return Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }
}
