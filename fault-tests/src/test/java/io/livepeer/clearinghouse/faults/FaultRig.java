package io.livepeer.clearinghouse.faults;

import io.livepeer.clearinghouse.ledger.SqlDialect;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What every fault run shares: one topic with 4 partitions on the in-process broker, a consumer group of its own,
 * a producer that sends valid signer events keyed by a random UUID (as the signer does), the application's
 * environment, and the reads that judge a run (committed offsets, outbox counts).
 */
final class FaultRig implements AutoCloseable {

    /** Partitions of the signer topic in every run (issue 9). */
    static final int PARTITIONS = 4;

    /** Settings the runs are sized by: {@code -Dfault.events=50000 -Dfault.kills=10} for the full size. */
    static final int EVENTS = Integer.getInteger("fault.events", 5000);

    static final int KILLS = Integer.getInteger("fault.kills", 3);

    /** Where child logs and the summary go. */
    static final Path LOGS = Path.of(System.getProperty("fault.logs", "target/fault-runs"));

    /**
     * Broker settings: a consumer session may be as short as 500 ms (the broker's floor is 6 s by default), so a
     * killed consumer's partitions move within seconds.
     */
    static final Map<String, String> BROKER_CONFIG = Map.of("group.min.session.timeout.ms", "500");

    /**
     * The Kafka consumer settings of the application in these runs: a dead consumer is noticed after 2 s instead of
     * the application's default 10 s (docs/operations.md, "Consumer takeover").
     */
    static final Map<String, String> FAST_TAKEOVER =
            Map.of("KAFKA_SESSION_TIMEOUT_MS", "2000", "KAFKA_HEARTBEAT_INTERVAL_MS", "500");

    final KafkaTestBroker broker;
    final String topic;
    final String group;
    private final Admin admin;
    private final KafkaProducer<String, String> producer;

    FaultRig(KafkaTestBroker broker, String name) {
        this.broker = broker;
        this.topic = "signer-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.group = "clearinghouse-" + topic;
        broker.createTopic(topic, PARTITIONS);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        this.admin = Admin.create(props);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        // the input, not the system under test: a retried send may duplicate a record (metering deduplicates ids),
        // but must never wedge as the idempotent producer did once on OUT_OF_ORDER_SEQUENCE after a leader change
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
    }

    /** Sends {@code count} new valid events, waits for every acknowledgement and answers their ids. */
    List<String> produce(int count) {
        List<String> ids = new ArrayList<>(count);
        List<Future<RecordMetadata>> sends = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = SignerEvents.newId();
            ids.add(id);
            sends.add(
                    producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), SignerEvents.json(id, i))));
        }
        producer.flush();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(2, TimeUnit.MINUTES);
            } catch (Exception e) {
                throw new IllegalStateException("an event was not acknowledged by the broker", e);
            }
        }
        return ids;
    }

    /** The application's environment: this topic and group, a fixed price, fast consumer takeover. */
    Map<String, String> appEnv(JdbcTarget database, String openMeterUrl) {
        Map<String, String> env = new HashMap<>(FAST_TAKEOVER);
        env.put("KAFKA_BROKERS", broker.bootstrapServers());
        env.put("KAFKA_GATEWAY_TOPIC", topic);
        env.put("KAFKA_GROUP_ID", group);
        env.put("JDBC_URL", database.url());
        env.put("JDBC_USER", database.user());
        env.put("JDBC_PASSWORD", database.password());
        env.put("ETH_USD_PRICE", "3000");
        env.put("OPENMETER_URL", openMeterUrl);
        // a killed instance's delivery claims are free again after 5 s instead of 60 s (the lease must exceed twice
        // the HTTP timeout)
        env.put("CLEARINGHOUSE_OPENMETER_CLAIM_LEASE", "5s");
        env.put("CLEARINGHOUSE_HTTP_TIMEOUT_MS", "2000");
        return env;
    }

    /** Committed offsets of the group per partition (absent: nothing committed yet). */
    Map<TopicPartition, Long> committedByPartition() {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, Long> result = new HashMap<>();
            offsets.forEach((tp, offset) -> {
                if (offset != null && tp.topic().equals(topic)) {
                    result.put(tp, offset.offset());
                }
            });
            return result;
        } catch (Exception e) {
            // the broker may be restarting: no progress visible right now
            return Map.of();
        }
    }

    /** The end offset of one partition of the topic: how many records it holds. */
    long endOffset(int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        try {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()))
                    .partitionResult(tp)
                    .get(10, TimeUnit.SECONDS)
                    .offset();
        } catch (Exception e) {
            throw new IllegalStateException("could not read the end offset of " + tp, e);
        }
    }

    /** Sum of the group's committed offsets: records metered (or dead-lettered) and acknowledged to Kafka. */
    long committed() {
        return committedByPartition().values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /**
     * Counts of a run's database, read after the application stopped (H2: the file is opened by this JVM only then,
     * so that the killed instances never ran against a database this JVM held open).
     */
    static OutboxCounts outboxCounts(JdbcTarget database) {
        String url = SqlDialect.of(database.url()).connectionUrl(database.url());
        try (Connection c = DriverManager.getConnection(url, database.user(), database.password());
                Statement s = c.createStatement()) {
            Set<String> ids = new HashSet<>();
            long rows = 0;
            try (ResultSet rs = s.executeQuery("SELECT event_id FROM outbox_events")) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                    rows++;
                }
            }
            return new OutboxCounts(
                    rows,
                    ids,
                    count(s, "SELECT COUNT(*) FROM outbox_pending"),
                    count(s, "SELECT COUNT(*) FROM outbox_rejected"),
                    count(s, "SELECT COUNT(*) FROM dead_letters"));
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the outbox of " + database.label(), e);
        }
    }

    /**
     * Rows waiting for delivery now, -1 while unreadable. Only while an instance runs: on an H2 file this JVM then
     * connects to that instance's automatic server and never opens the file itself.
     */
    static long pending(JdbcTarget database) {
        String url = SqlDialect.of(database.url()).connectionUrl(database.url());
        try (Connection c = DriverManager.getConnection(url, database.user(), database.password());
                Statement s = c.createStatement()) {
            return count(s, "SELECT COUNT(*) FROM outbox_pending");
        } catch (SQLException e) {
            return -1;
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The outbox after a run.
     *
     * @param rows        rows in {@code outbox_events}
     * @param ids         distinct event ids among them
     * @param pending     rows still waiting for delivery
     * @param rejected    rows OpenMeter refused
     * @param deadLetters records that could not be metered
     */
    record OutboxCounts(long rows, Set<String> ids, long pending, long rejected, long deadLetters) {}

    /** Appends a line to {@code summary.txt} beside the child logs and prints it. */
    static void report(String line) {
        System.out.println(line);
        try {
            Files.createDirectories(LOGS);
            Files.writeString(
                    LOGS.resolve("summary.txt"),
                    line + System.lineSeparator(),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
