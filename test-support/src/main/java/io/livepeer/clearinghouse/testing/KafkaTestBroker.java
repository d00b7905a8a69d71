package io.livepeer.clearinghouse.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real single-node KRaft Kafka broker in this JVM (Kafka's own {@code KafkaClusterTestKit}), ready in about a
 * second. One per test class: start in {@code @BeforeAll}, close in {@code @AfterAll}.
 */
public final class KafkaTestBroker implements AutoCloseable {

    private final KafkaClusterTestKit cluster;
    private KafkaProducer<String, byte[]> producer;

    private KafkaTestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts a combined broker+controller node and waits until it serves requests. */
    public static KafkaTestBroker start() {
        return start(Map.of());
    }

    /**
     * Like {@link #start()}, with extra broker settings that win over the defaults, e.g.
     * {@code group.min.session.timeout.ms} for fast consumer takeover, or fixed {@code listeners}
     * ({@code EXTERNAL://localhost:<port>,CONTROLLER://localhost:<port>}) so that {@link #startBroker()} after
     * {@link #stopBroker()} serves on the same address.
     */
    public static KafkaTestBroker start(Map<String, String> brokerConfig) {
        try {
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    // without these, consumer groups wait ~100 s for a coordinator / a rebalance delay
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1");
            brokerConfig.forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaTestBroker(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("in-process Kafka broker did not start", e);
        }
    }

    /**
     * Stops the broker (its log and the controller stay): clients see a broker that is down. {@link #startBroker()}
     * brings it back with the same data; on the same address only when {@code listeners} were fixed at start.
     */
    public void stopBroker() {
        if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
        }
        cluster.brokers().values().forEach(broker -> broker.shutdown());
    }

    /** Starts the broker stopped by {@link #stopBroker()} again, on its log, and waits until it serves requests. */
    public void startBroker() {
        try {
            cluster.brokers().values().forEach(broker -> broker.startup());
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            throw new IllegalStateException("in-process Kafka broker did not start again", e);
        }
    }

    /** {@code host:port} of the broker. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /**
     * Creates a topic and waits until every partition has a leader: {@code createTopics} returns before the broker
     * leads them, and a producer that sends at once may get NOT_LEADER_OR_FOLLOWER and then an idempotence sequence
     * error it never recovers from.
     */
    public void createTopic(String topic, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!allLed(admin, topic, partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has partitions without a leader after 30 s");
                }
                TimeUnit.MILLISECONDS.sleep(20); // polling interval, not a timing assumption
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("topic " + topic + " was not created", e);
        }
    }

    private static boolean allLed(Admin admin, String topic, int partitions) throws Exception {
        org.apache.kafka.clients.admin.TopicDescription description;
        try {
            description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(topic);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return false; // created, but the broker's metadata does not show it yet: ask again
            }
            throw e;
        }
        return description.partitions().size() == partitions
                && description.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    /** Sends UTF-8 records (acks=all, flushed) with the given key (may be null). */
    public void send(String topic, String key, String... values) {
        for (String value : values) {
            sendBytes(topic, key, value.getBytes(StandardCharsets.UTF_8));
        }
        producer().flush();
    }

    /** Sends one raw record and waits for the acknowledgement. */
    public void sendBytes(String topic, String key, byte[] value) {
        try {
            producer().send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("record was not acknowledged", e);
        }
    }

    /** Sum of the committed offsets of a consumer group on a topic (0 when nothing is committed). */
    public long committedOffsets(String groupId, String topic) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            return offsets.entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset())
                    .sum();
        } catch (ExecutionException | InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not read committed offsets of " + groupId, e);
        }
    }

    /** Sum of the end offsets of all partitions of a topic: the number of records ever written to it. */
    public long endOffsets(String topic) {
        try (Admin admin = admin()) {
            int partitions = admin.describeTopics(Set.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset())
                    .sum();
        } catch (Exception e) {
            throw new IllegalStateException("could not read end offsets of " + topic, e);
        }
    }

    private Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(props);
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("in-process Kafka broker did not stop cleanly", e);
        }
    }
}
