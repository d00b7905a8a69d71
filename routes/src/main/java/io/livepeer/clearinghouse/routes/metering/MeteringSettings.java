package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.processors.money.UsdPolicy;
import io.livepeer.clearinghouse.processors.money.UsdSource;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The metering flow's settings ({@code clearinghouse.kafka.*}, {@code clearinghouse.metering.*},
 * {@code clearinghouse.ledger.usage-fan-out}). The Kafka consumer's options are also read by the route itself as
 * {@code {{…}}} placeholders; they are checked here so a bad value fails the start with a message naming the key.
 *
 * @param kafkaBrokers       Kafka bootstrap servers
 * @param topic              signer topic
 * @param groupId            consumer group
 * @param maxPollRecords     records per batch at most
 * @param pollTimeoutMs      Kafka poll timeout, ms
 * @param batchingIntervalMs least time between the starts of two batches, ms; 0 = a batch is stored as soon as the
 *                           previous one is (it holds what arrived meanwhile, up to {@code maxPollRecords})
 * @param deadLetterTopic    optional topic that also receives dead letters
 * @param cloudEventSource   CloudEvent source
 * @param catalogFile        catalog file, empty for the shipped reference catalog
 * @param maxFeeWei          larger fees (wei) are dead-lettered
 * @param maxFutureSkew      usage times further ahead are dead-lettered
 * @param maxPastAge         usage times further behind our clock are dead-lettered (the backdating window of
 *                           OpenMeter and Konnect, about 30 days)
 * @param stallAfter         the metering-consumer health check is DOWN when records wait this long without a stored
 *                           batch
 * @param usageFanOut        whether metered usage is also posted to the credit ledger
 * @param kafkaClient        the operator's Kafka client properties (security), from
 *                           {@code clearinghouse.kafka.client-properties-file}; {@link KafkaClientProperties#NONE}
 *                           without one
 * @param usd                which USD value bills ({@code clearinghouse.metering.usd-source}: {@code oracle} or
 *                           {@code signer}) and the price audit's tolerance
 *                           ({@code clearinghouse.metering.price-audit-tolerance}, a fraction: 0.02 = 2 %)
 * @param trackSequences     whether the batch transaction tracks completeness: payment-session gaps and forks
 *                           ({@code clearinghouse.metering.track-sequences})
 */
public record MeteringSettings(
        String kafkaBrokers,
        String topic,
        String groupId,
        int maxPollRecords,
        int pollTimeoutMs,
        int batchingIntervalMs,
        Optional<String> deadLetterTopic,
        String cloudEventSource,
        Optional<String> catalogFile,
        BigInteger maxFeeWei,
        Duration maxFutureSkew,
        Duration maxPastAge,
        Duration stallAfter,
        boolean usageFanOut,
        KafkaClientProperties kafkaClient,
        UsdPolicy usd,
        boolean trackSequences) {

    static final String USD_SOURCE = "clearinghouse.metering.usd-source";
    static final String PRICE_AUDIT_TOLERANCE = "clearinghouse.metering.price-audit-tolerance";

    static final String CLIENT_PROPERTIES = "clearinghouse.kafka.client-properties-file";

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static MeteringSettings from(SettingsReader r) {
        String maxFee = r.required("clearinghouse.metering.max-fee-wei");
        BigInteger maxFeeWei;
        try {
            maxFeeWei = new BigInteger(maxFee);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "clearinghouse.metering.max-fee-wei must be a whole number of wei, got '" + maxFee + "'");
        }
        // used by the endpoint URI ({{…}}), checked here so a bad value names its key at start-up
        int sessionTimeoutMs = r.positiveInt("clearinghouse.kafka.session-timeout-ms");
        int heartbeatIntervalMs = r.positiveInt("clearinghouse.kafka.heartbeat-interval-ms");
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("clearinghouse.kafka.heartbeat-interval-ms must be below"
                    + " clearinghouse.kafka.session-timeout-ms (a third of it at most), got " + heartbeatIntervalMs
                    + " >= " + sessionTimeoutMs);
        }
        return new MeteringSettings(
                r.required("clearinghouse.kafka.brokers"),
                r.required("clearinghouse.kafka.topic"),
                r.required("clearinghouse.kafka.group-id"),
                r.positiveInt("clearinghouse.kafka.max-poll-records"),
                r.positiveInt("clearinghouse.kafka.poll-timeout-ms"),
                nonNegativeInt(r, "clearinghouse.kafka.batching-interval-ms"),
                r.optional("clearinghouse.kafka.dead-letter-topic"),
                r.required("clearinghouse.metering.source"),
                r.optional("clearinghouse.metering.catalog-file"),
                maxFeeWei,
                r.duration("clearinghouse.metering.max-future-skew"),
                positive(r, "clearinghouse.metering.max-past-age"),
                positive(r, "clearinghouse.metering.stall-after"),
                r.bool("clearinghouse.ledger.usage-fan-out"),
                r.optional(CLIENT_PROPERTIES)
                        .map(file -> KafkaClientProperties.load(
                                Path.of(file), CLIENT_PROPERTIES + " (KAFKA_CLIENT_PROPERTIES)"))
                        .orElse(KafkaClientProperties.NONE),
                usdPolicy(r),
                r.bool("clearinghouse.metering.track-sequences"));
    }

    private static UsdPolicy usdPolicy(SettingsReader r) {
        UsdSource source;
        try {
            source = UsdSource.parse(r.required(USD_SOURCE));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(USD_SOURCE + " " + e.getMessage());
        }
        BigDecimal tolerance = r.decimal(PRICE_AUDIT_TOLERANCE);
        if (tolerance.signum() < 0) {
            throw new IllegalArgumentException(PRICE_AUDIT_TOLERANCE
                    + " must be a fraction of at least 0 (0.02 = 2 %), got " + tolerance.toPlainString());
        }
        return new UsdPolicy(source, tolerance);
    }

    private static int nonNegativeInt(SettingsReader r, String key) {
        String value = r.required(key);
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < 0) {
                throw new IllegalArgumentException(key + " must be 0 or more, got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'");
        }
    }

    private static Duration positive(SettingsReader r, String key) {
        Duration value = r.duration(key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration such as 30d or 2m, got " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "MeteringSettings[kafka=" + kafkaBrokers + " topic=" + topic + " group=" + groupId
                + ", source=" + cloudEventSource + ", catalog=" + catalogFile.orElse("reference")
                + ", client properties " + kafkaClient + ", ledger fan-out " + (usageFanOut ? "on" : "off")
                + ", USD from " + usd.source().label() + " (price audit tolerance "
                + usd.tolerance().toPlainString() + ")"
                + deadLetterTopic.map(t -> ", dead letters also to " + t).orElse("") + "]";
    }
}
