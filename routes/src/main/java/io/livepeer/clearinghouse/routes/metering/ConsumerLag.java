package io.livepeer.clearinghouse.routes.metering;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metering consumer group's lag, per partition of the signer topic: the log end offset minus the group's
 * committed offset (minus the log start offset where the group has committed nothing yet, as the consumer starts from
 * the earliest record). Exposed as {@code clearinghouse_kafka_consumer_lag{topic, group, partition}}, refreshed by
 * the {@code kafka-consumer-lag} timer route with the Kafka admin client (every call bounded by a few seconds), never on a scrape. When
 * the brokers do not answer, the last values stay (the {@code kafka} health check reports the outage).
 */
public final class ConsumerLag implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLag.class);
    private static final int TIMEOUT_MS = 3000;

    private final String brokers;
    private final KafkaClientProperties client;
    private final String topic;
    private final String group;
    private final MultiGauge gauge;
    private Admin admin;
    private volatile Map<Integer, Long> lag = Map.of();
    private volatile long groupPosition = -1;

    /**
     * @param registry where the gauge is registered
     * @param brokers  Kafka bootstrap servers
     * @param topic    the signer topic
     * @param group    the metering consumer group
     * @param client   the operator's Kafka client properties (security)
     */
    public ConsumerLag(
            MeterRegistry registry, String brokers, String topic, String group, KafkaClientProperties client) {
        this.brokers = brokers;
        this.client = client;
        this.topic = topic;
        this.group = group;
        this.gauge = MultiGauge.builder("clearinghouse.kafka.consumer.lag")
                .description("Records in the signer topic not yet committed by the metering consumer group")
                .register(registry);
    }

    /** The lag per partition at the last successful refresh (empty before it). */
    public Map<Integer, Long> lag() {
        return lag;
    }

    /**
     * The group's position at the last successful refresh: the sum over partitions of the committed offset (the log
     * start where nothing is committed); it grows whenever any instance of the group commits. -1 before the first
     * refresh.
     */
    public long groupPosition() {
        return groupPosition;
    }

    /**
     * Reads the committed and end offsets and updates the gauge.
     *
     * @return whether the brokers answered
     */
    public synchronized boolean refresh() {
        try {
            Admin client = admin();
            TopicDescription description = client.describeTopics(List.of(topic))
                    .topicNameValues()
                    .get(topic)
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = client.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            List<TopicPartition> partitions = description.partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            Map<TopicPartition, ListOffsetsResultInfo> end = offsets(client, partitions, OffsetSpec.latest());
            List<TopicPartition> uncommitted =
                    partitions.stream().filter(p -> committed.get(p) == null).toList();
            Map<TopicPartition, ListOffsetsResultInfo> start =
                    uncommitted.isEmpty() ? Map.of() : offsets(client, uncommitted, OffsetSpec.earliest());
            Map<Integer, Long> current = new HashMap<>();
            long position = 0;
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata done = committed.get(partition);
                long from = done != null ? done.offset() : start.get(partition).offset();
                long value = Math.max(0, end.get(partition).offset() - from);
                position += from;
                current.put(partition.partition(), value);
                rows.add(MultiGauge.Row.of(
                        Tags.of("topic", topic, "group", group, "partition", String.valueOf(partition.partition())),
                        value));
            }
            gauge.register(rows, true);
            lag = Map.copyOf(current);
            groupPosition = position;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.debug("consumer lag not refreshed: {}", e.toString());
            return false;
        }
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(
            Admin client, List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(p, spec));
        return client.listOffsets(request).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private Admin admin() {
        if (admin == null) {
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_MS));
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT_MS));
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "clearinghouse-consumer-lag");
            admin = Admin.create(client.applyTo(props));
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}
