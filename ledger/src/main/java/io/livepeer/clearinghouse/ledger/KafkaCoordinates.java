package io.livepeer.clearinghouse.ledger;

/**
 * Where a record came from.
 *
 * @param topic     Kafka topic
 * @param partition partition
 * @param offset    offset within the partition
 */
public record KafkaCoordinates(String topic, int partition, long offset) {

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
