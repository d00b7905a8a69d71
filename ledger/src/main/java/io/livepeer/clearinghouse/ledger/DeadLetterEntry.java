package io.livepeer.clearinghouse.ledger;

/**
 * Input that could not be metered.
 *
 * @param source  Kafka record coordinates (unique: the same record dead-lettered twice is kept once)
 * @param key     Kafka record key as text, may be null
 * @param eventId envelope id when readable, may be null
 * @param reason  why it was refused
 * @param raw     the record value, byte for byte
 */
public record DeadLetterEntry(KafkaCoordinates source, String key, String eventId, String reason, byte[] raw) {}
