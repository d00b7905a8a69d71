package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meters one Kafka batch of signer events ({@code batching=true}: the body is a {@code List<Exchange>}, one per
 * record) and stores it atomically: metered events into the outbox, bad input into dead letters, in one database
 * transaction. Only after that commits are the Kafka offsets committed, on the consumer thread, for the last record
 * of <em>each</em> partition in the batch (a manual commit only covers its own partition).
 *
 * <p>If storing fails the exception propagates: the route retries, then {@code breakOnFirstError} makes the consumer
 * re-read from the committed offsets. Replays are harmless because outbox ids and dead-letter coordinates are unique.
 * Bad input never throws: it becomes a dead letter, so a poison record cannot block its partition.
 */
public final class MeteringBatchProcessor implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringBatchProcessor.class);

    private final SignerEventMetering metering;
    private final PriceService price;
    private final UsageRecorder recorder;
    private final MeteringMetrics metrics;
    private final Consumer<List<DeadLetterEntry>> deadLetterPublisher;
    private final Clock clock;

    /**
     * @param metering            the pure metering function
     * @param price               price source; the route only runs once it has a price
     * @param recorder            transactional store
     * @param metrics             metrics
     * @param deadLetterPublisher called with the batch's new dead letters after the transaction commits (optional
     *                            DLQ topic); must not throw
     * @param clock               our clock: receive time of every record
     */
    public MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            UsageRecorder recorder,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        this.metering = metering;
        this.price = price;
        this.recorder = recorder;
        this.metrics = metrics;
        this.deadLetterPublisher = deadLetterPublisher;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        List<?> records = exchange.getMessage().getBody(List.class);
        if (records == null || records.isEmpty()) {
            return;
        }
        PriceQuote quote = price.current()
                .orElseThrow(() ->
                        new IllegalStateException("no ETH/USD price: the metering route must not run without one"));
        Timer.Sample sample = Timer.start();
        List<OutboxEntry> metered = new ArrayList<>(records.size());
        List<DeadLetterEntry> deadLetters = new ArrayList<>();
        Map<Integer, Exchange> lastPerPartition = new LinkedHashMap<>();
        for (Object item : records) {
            Exchange record = (Exchange) item;
            Message message = record.getMessage();
            KafkaCoordinates source = new KafkaCoordinates(
                    message.getHeader(KafkaConstants.TOPIC, String.class),
                    message.getHeader(KafkaConstants.PARTITION, 0, Integer.class),
                    message.getHeader(KafkaConstants.OFFSET, -1L, Long.class));
            lastPerPartition.put(source.partition(), record);
            byte[] raw = message.getBody(byte[].class);
            // our clock, not the Kafka record timestamp: that is the signer's clock, and the future-skew check must
            // not trust the clock of the party whose events it checks
            Instant receivedAt = clock.instant();
            String key = message.getHeader(KafkaConstants.KEY, String.class);
            MeteringOutcome outcome;
            try {
                outcome = metering.meter(raw, quote, receivedAt);
            } catch (RuntimeException e) {
                // a defect, not bad input: still keep the record and move on rather than block the partition
                LOG.error("Metering failed unexpectedly for {}; dead-lettering it", source, e);
                outcome = new MeteringOutcome.Rejected("internal error while metering: " + e, null);
            }
            if (outcome instanceof MeteringOutcome.Metered m) {
                metered.add(toOutbox(m.usage(), source));
            } else if (outcome instanceof MeteringOutcome.Rejected r) {
                deadLetters.add(
                        new DeadLetterEntry(source, key, r.eventId(), r.reason(), raw == null ? new byte[0] : raw));
            } else if (outcome instanceof MeteringOutcome.Skipped s) {
                metrics.skipped(s.eventType());
            }
        }

        UsageRecorder.Result result = recorder.record(metered, deadLetters);
        sample.stop(metrics.batchTimer());
        metrics.batch(records.size(), result.inserted(), result.duplicates());
        metrics.deadLettered(newDeadLetterReasons(deadLetters, result.deadLettered()));
        if (!deadLetters.isEmpty()) {
            LOG.warn(
                    "{} record(s) dead-lettered in this batch, first: {} at {}",
                    deadLetters.size(),
                    deadLetters.get(0).reason(),
                    deadLetters.get(0).source());
            deadLetterPublisher.accept(deadLetters);
        }
        LOG.debug(
                "Batch of {} records: {} metered, {} duplicate, {} dead-lettered",
                records.size(),
                result.inserted(),
                result.duplicates(),
                result.deadLettered());

        for (Exchange last : lastPerPartition.values()) {
            KafkaManualCommit commit =
                    last.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                commit.commit();
            }
        }
    }

    /**
     * The reasons of the dead letters that were new. The store says only how many were: when a replayed batch holds
     * some already stored, those are its earliest records (the consumer re-reads from the committed offsets), so
     * the new ones are counted as the last {@code inserted}.
     */
    private static List<String> newDeadLetterReasons(List<DeadLetterEntry> deadLetters, int inserted) {
        return deadLetters
                .subList(deadLetters.size() - Math.min(inserted, deadLetters.size()), deadLetters.size())
                .stream()
                .map(DeadLetterEntry::reason)
                .toList();
    }

    private static OutboxEntry toOutbox(MeteredUsage usage, KafkaCoordinates source) {
        return new OutboxEntry(
                usage.eventId(),
                usage.subject(),
                usage.pipeline(),
                usage.modelId(),
                usage.time(),
                usage.feeWei(),
                usage.networkMicros(),
                usage.billableMicros(),
                usage.price().usdPerEth(),
                new String(usage.cloudEventJson(), StandardCharsets.UTF_8),
                usage.orchAddress(),
                source);
    }
}
