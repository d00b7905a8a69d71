package io.livepeer.clearinghouse.routes.metering;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The signer topic's Kafka client factory ({@code kafkaClientFactory} of {@link SignerEventsRoute#ENDPOINT_URI}, the
 * extension point camel-kafka offers "to create instances with logic that extends the vanilla Kafka clients"): its
 * consumers answer the poll that follows one that returned records with no records, at once, instead of polling
 * again.
 *
 * <p>Why: camel-kafka 4.18's batching consumer ({@code KafkaRecordBatchingProcessor}) adds a poll's records to the
 * pending batch only <em>after</em> it has decided whether the batch is due, so records are stored at the earliest on
 * the next poll. Under a steady flow that next poll returns the records that arrived while the previous batch was
 * being stored, so every record waited for one extra batch on the consumer thread: a record's time to commit was about
 * 2.5 batch times instead of 1.5 (measured, docs/benchmarks.md). An empty poll makes the batch due at once (with
 * {@code batchingIntervalMs} 0, or once that interval has passed since the last batch started), so a batch holds what
 * arrived while the previous one was stored: stored at once when the consumer is idle, bigger batches when it is busy.
 *
 * <p>Nothing else changes: the real polls still return up to {@code max.poll.records}, offsets are still committed by
 * the route after the batch's transaction, and a skipped poll only delays the consumer's next real poll by one loop
 * (heartbeats run on the client's own thread).
 */
public final class StoreAtOnceKafkaClientFactory extends DefaultKafkaClientFactory {

    /**
     * How long the poll that follows one that returned records waits for the fetch the client sent as it returned them
     * (on a busy topic the broker answers at once; on an idle one this is the only wait added).
     */
    static final Duration FRESH_FETCH_WAIT = Duration.ofMillis(5);

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Consumer getConsumer(Properties kafkaProps) {
        return new StoreAtOnceConsumer(kafkaProps);
    }

    /**
     * A {@link KafkaConsumer} whose poll after a poll that returned records returns none, without polling. Used by one
     * thread, like every Kafka consumer.
     */
    static final class StoreAtOnceConsumer<K, V> extends KafkaConsumer<K, V> {

        private boolean lastPollHadRecords;

        StoreAtOnceConsumer(Properties properties) {
            super(properties);
        }

        @Override
        public ConsumerRecords<K, V> poll(Duration timeout) {
            if (lastPollHadRecords) {
                lastPollHadRecords = false;
                return ConsumerRecords.empty();
            }
            ConsumerRecords<K, V> records = super.poll(timeout);
            if (!records.isEmpty()) {
                // the client returns what it fetched when the previous poll returned (one fetch is pipelined), and
                // sends the next fetch as it returns: take what that brings too (what arrived since), waiting briefly
                ConsumerRecords<K, V> fresher = super.poll(FRESH_FETCH_WAIT);
                if (!fresher.isEmpty()) {
                    records = merge(records, fresher);
                }
            }
            lastPollHadRecords = !records.isEmpty();
            return records;
        }

        /** Both polls' records, per partition in offset order (the second poll's follow the first's). */
        private static <K, V> ConsumerRecords<K, V> merge(ConsumerRecords<K, V> first, ConsumerRecords<K, V> second) {
            Map<TopicPartition, List<ConsumerRecord<K, V>>> merged = new LinkedHashMap<>();
            for (ConsumerRecords<K, V> part : List.of(first, second)) {
                for (TopicPartition partition : part.partitions()) {
                    merged.computeIfAbsent(partition, p -> new ArrayList<>()).addAll(part.records(partition));
                }
            }
            return new ConsumerRecords<>(merged);
        }
    }
}
