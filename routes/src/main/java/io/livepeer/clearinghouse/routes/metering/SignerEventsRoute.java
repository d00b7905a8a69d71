package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.routes.core.OutboxCommits;
import org.apache.camel.LoggingLevel;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;

/**
 * Kafka → metering → outbox: consumes the go-livepeer signer topic at least once (DESIGN.md §9): batches,
 * no auto-commit, manual commit after the batch's database transaction, {@code breakOnFirstError} so a failed batch
 * is re-read rather than skipped. Started only once an ETH/USD price is known. After a batch that stored new events it
 * signals {@link OutboxCommits#ENDPOINT}, which wakes this instance's delivery.
 */
public final class SignerEventsRoute extends RouteBuilder {

    /** Route id. */
    public static final String ROUTE_ID = "signer-events";

    /**
     * The consumer endpoint URI: every option is a {@code {{…}}} placeholder of {@code application.properties}
     * (brokers come from {@code camel.component.kafka.brokers}).
     */
    public static final String ENDPOINT_URI = "kafka:{{clearinghouse.kafka.topic}}"
            + "?groupId={{clearinghouse.kafka.group-id}}"
            + "&autoOffsetReset=earliest"
            + "&autoCommitEnable=false"
            + "&allowManualCommit=true"
            + "&breakOnFirstError=true"
            + "&batching=true"
            + "&maxPollRecords={{clearinghouse.kafka.max-poll-records}}"
            + "&pollTimeoutMs={{clearinghouse.kafka.poll-timeout-ms}}"
            + "&batchingIntervalMs={{clearinghouse.kafka.batching-interval-ms}}"
            // a poll after one that returned records returns none at once, so the batch is stored now instead of on
            // the next real poll (one batch time later under a steady flow): see StoreAtOnceKafkaClientFactory
            + "&kafkaClientFactory=#class:io.livepeer.clearinghouse.routes.metering.StoreAtOnceKafkaClientFactory"
            + "&sessionTimeoutMs={{clearinghouse.kafka.session-timeout-ms}}"
            + "&heartbeatIntervalMs={{clearinghouse.kafka.heartbeat-interval-ms}}"
            + "&keyDeserializer=org.apache.kafka.common.serialization.StringDeserializer"
            + "&valueDeserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer";

    private final Processor processor;
    private final boolean startNow;
    private final int consumers;

    /**
     * With one Kafka consumer.
     *
     * @param processor the batch processor ({@link MeteringBatchProcessor}; route tests wrap it)
     * @param startNow  whether to start with the context (a price is already known)
     */
    public SignerEventsRoute(Processor processor, boolean startNow) {
        this(processor, startNow, 1);
    }

    /**
     * @param consumers Kafka consumers of the route ({@code consumersCount}): each polls its share of the topic's
     *                  partitions on its own thread and calls {@code processor} with its own batches, so batches of
     *                  different partitions are stored concurrently; the processor must be thread-safe
     */
    public SignerEventsRoute(Processor processor, boolean startNow, int consumers) {
        if (consumers < 1) {
            throw new IllegalArgumentException("consumers must be at least 1, got " + consumers);
        }
        this.processor = processor;
        this.startNow = startNow;
        this.consumers = consumers;
    }

    @Override
    public void configure() {
        from(ENDPOINT_URI + "&consumersCount=" + consumers)
                .routeId(ROUTE_ID)
                .autoStartup(startNow)
                // storage failures (database down) are retried with backoff; after that the consumer re-reads the
                // batch from the last committed offsets. Bad input never gets here: it is dead-lettered.
                .errorHandler(defaultErrorHandler()
                        .maximumRedeliveries(4)
                        .redeliveryDelay(500)
                        .useExponentialBackOff()
                        .backOffMultiplier(2)
                        .maximumRedeliveryDelay(10_000)
                        .retryAttemptedLogLevel(LoggingLevel.WARN))
                .process(processor)
                .id("meter-and-store-batch")
                // the batch committed new outbox rows: wake this instance's delivery now (never waits, see
                // OutboxCommits), so latency is bounded by the batching interval, not the delivery timer
                .filter(exchangeProperty(OutboxCommits.NEW_EVENTS).isGreaterThan(0))
                .to(OutboxCommits.ENDPOINT)
                .id("wake-delivery")
                .end();
    }
}
