package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.SqlErrors;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.TicketFacts;
import io.livepeer.clearinghouse.ledger.completeness.TicketTracker;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SessionPosition;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.OutboxCommits;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>If the database is unavailable the exception propagates: the route retries, then {@code breakOnFirstError} makes
 * the consumer re-read from the committed offsets, and nothing is dead-lettered for it. Replays are harmless because
 * outbox ids and dead-letter coordinates are unique. Bad input never throws: it becomes a dead letter, so a poison
 * record cannot block its partition. A record that passes every check of ours but that the database refuses (SQLSTATE
 * class 22 or 23) is found by storing the batch in halves and is dead-lettered with the database's reason (prefix
 * {@value #REFUSED}), so the rest of the batch commits.
 *
 * <p>With completeness tracking on, each metered record also carries its {@link TicketFacts} (SHA-256 of the record
 * value, session position) into the transaction: forks are quarantined there as {@code fork} dead letters
 * ({@link TicketTracker}). Two instances racing on the same id or session sequence meet on a unique key: the loser's
 * batch fails with SQLSTATE 23505 and takes the halving path above, whose parts re-read what the winner committed.
 */
public final class MeteringBatchProcessor implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringBatchProcessor.class);

    private final SignerEventMetering metering;
    private final PriceService price;
    private final TrackingStore store;
    private final MeteringMetrics metrics;
    private final Consumer<List<DeadLetterEntry>> deadLetterPublisher;
    private final Clock clock;
    private volatile Instant lastBatchAt;
    private final AtomicBoolean fallbackAnnounced = new AtomicBoolean();

    /** Prefix of the reason of a record the database refused (the database's own reason follows). */
    static final String REFUSED = "refused by the database: ";

    /**
     * @param metering            the pure metering function
     * @param price               price source; the route only runs once it has a price
     * @param recorder            transactional store
     * @param metrics             metrics
     * @param deadLetterPublisher called with the batch's new dead letters (each once, even when the batch is read
     *                            again) after the transaction and the Kafka offsets are committed (optional DLQ
     *                            topic); must neither throw nor block
     * @param clock               our clock: receive time of every record
     */
    public MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            UsageRecorder recorder,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        this(metering, price, recorder, true, metrics, deadLetterPublisher, clock);
    }

    /**
     * @param trackSequences whether completeness is tracked (gaps and forks, {@link TicketTracker}) in the batch
     *                       transaction
     */
    public MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            UsageRecorder recorder,
            boolean trackSequences,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        this(
                metering,
                price,
                trackSequences
                        ? (TrackingStore) recorder::record
                        : (TrackingStore) (metered, facts, deadLetters) -> recorder.record(metered, deadLetters),
                metrics,
                deadLetterPublisher,
                clock);
    }

    /** With any {@link Store} (tests inject database faults through it); no completeness tracking. */
    MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            Store store,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        this(
                metering,
                price,
                (TrackingStore) (metered, facts, deadLetters) -> store.record(metered, deadLetters),
                metrics,
                deadLetterPublisher,
                clock);
    }

    /** With any {@link TrackingStore}. */
    MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            TrackingStore store,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        this.metering = metering;
        this.price = price;
        this.store = store;
        this.metrics = metrics;
        this.deadLetterPublisher = deadLetterPublisher;
        this.clock = clock;
    }

    /** Stores one part of a batch in one transaction: {@link UsageRecorder#record}. */
    @FunctionalInterface
    interface Store {
        UsageRecorder.Result record(List<OutboxEntry> metered, List<DeadLetterEntry> deadLetters) throws SQLException;
    }

    /** Stores one part of a batch in one transaction, with completeness tracking: {@link UsageRecorder#record}. */
    @FunctionalInterface
    interface TrackingStore {
        UsageRecorder.Result record(
                List<OutboxEntry> metered, List<TicketFacts> facts, List<DeadLetterEntry> deadLetters)
                throws SQLException;
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
        List<Item> items = new ArrayList<>(records.size());
        Map<Integer, Exchange> lastPerPartition = new LinkedHashMap<>();
        for (Object o : records) {
            Exchange record = (Exchange) o;
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
                items.add(new Item(
                        source, key, raw, toOutbox(m.usage(), source), null, m.usage(), ticketFacts(m, key, raw)));
            } else if (outcome instanceof MeteringOutcome.Rejected r) {
                items.add(new Item(
                        source,
                        key,
                        raw,
                        null,
                        new DeadLetterEntry(source, key, r.eventId(), r.reason(), raw == null ? new byte[0] : raw),
                        null,
                        null));
            } else if (outcome instanceof MeteringOutcome.Skipped s) {
                metrics.skipped(s.eventType());
            }
        }

        UsageRecorder.Result result = items.isEmpty() ? UsageRecorder.Result.NONE : store(items);
        exchange.setProperty(OutboxCommits.NEW_EVENTS, result.inserted());
        sample.stop(metrics.batchTimer());
        metrics.batch(records.size(), result.inserted(), result.duplicates());
        audit(items, java.util.Set.copyOf(result.insertedIds()));
        List<DeadLetterEntry> newDeadLetters = result.newDeadLetters();
        metrics.deadLettered(
                newDeadLetters.stream().map(DeadLetterEntry::reason).toList());
        if (!newDeadLetters.isEmpty()) {
            LOG.warn(
                    "{} record(s) dead-lettered in this batch, first: {} at {}",
                    newDeadLetters.size(),
                    newDeadLetters.get(0).reason(),
                    newDeadLetters.get(0).source());
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
        lastBatchAt = clock.instant();
        if (!newDeadLetters.isEmpty()) {
            // only the new ones: a replayed batch's dead letters were announced when they were first stored
            deadLetterPublisher.accept(newDeadLetters);
        }
    }

    /**
     * Exports the price audit of the events this batch's transaction inserted (committed by now), so each event is
     * counted once: a batch read again after its transaction committed (its offsets did not) finds them as duplicates
     * and counts nothing; forks are never counted. The outbox's {@code price_audit_flagged} column says the same per
     * event. Also says when the signer's value was wanted but absent.
     *
     * @param inserted the event ids the transaction inserted ({@link UsageRecorder.Result#insertedIds})
     */
    private void audit(List<Item> items, java.util.Set<String> inserted) {
        int flagged = 0;
        int fellBack = 0;
        MeteredUsage firstFlagged = null;
        for (Item item : items) {
            MeteredUsage usage = item.usage();
            if (usage == null || !inserted.contains(usage.eventId())) {
                continue;
            }
            PriceAudit audit = usage.audit();
            boolean fallback = usage.fellBackToOracle(metering.usdPolicy().source());
            metrics.priceAudit(audit, fallback);
            if (audit.flagged()) {
                flagged++;
                firstFlagged = firstFlagged == null ? usage : firstFlagged;
            }
            fellBack += fallback ? 1 : 0;
        }
        if (flagged > 0) {
            LOG.warn(
                    "Price audit: {} event(s) in this batch differ from the signer's computed_fee_usd by more than"
                            + " {} of our conversion, first: {} (signer {} USD micros, oracle {} USD micros, billed"
                            + " from {})",
                    flagged,
                    metering.usdPolicy().tolerance().toPlainString(),
                    firstFlagged.eventId(),
                    firstFlagged.audit().signerMicros().toPlainString(),
                    firstFlagged.audit().oracleMicros().toPlainString(),
                    firstFlagged.usdSource().label());
        }
        if (fellBack > 0 && fallbackAnnounced.compareAndSet(false, true)) {
            LOG.warn("clearinghouse.metering.usd-source is signer, but events arrive without computed_fee_usd (a signer"
                    + " before go-livepeer v0.9.3, or one without a USD rate): they are billed at the oracle's"
                    + " conversion. Said once; clearinghouse_metering_usd_fallback_total counts them");
        }
    }

    /**
     * Stores the items in one transaction. When the database refuses the data (a record that passed our own checks
     * but breaks a column or a constraint, {@link SqlErrors#refusesData}), the items are split in halves and each is
     * stored on its own, down to the record that fails, which is dead-lettered with the database's reason: the rest
     * commits and the partition moves on. Any other failure (the database unavailable, a deadlock, a timeout) is
     * thrown unchanged, whatever was stored so far stays (replays are idempotent), and nothing is dead-lettered for
     * it.
     */
    private UsageRecorder.Result store(List<Item> items) throws SQLException {
        try {
            return store.record(
                    items.stream()
                            .filter(i -> i.metered() != null)
                            .map(Item::metered)
                            .toList(),
                    items.stream()
                            .filter(i -> i.metered() != null)
                            .map(Item::facts)
                            .toList(),
                    items.stream()
                            .filter(i -> i.deadLetter() != null)
                            .map(Item::deadLetter)
                            .toList());
        } catch (SQLException e) {
            if (!SqlErrors.refusesData(e)) {
                throw e;
            }
            if (items.size() == 1) {
                return storeRefused(items.get(0), e);
            }
            LOG.warn(
                    "The database refused a batch of {} records from {} ({}); storing it in halves to find the"
                            + " record",
                    items.size(),
                    items.get(0).source(),
                    SqlErrors.reason(e));
            int half = items.size() / 2;
            return store(items.subList(0, half)).plus(store(items.subList(half, items.size())));
        }
    }

    /**
     * Dead-letters one record the database refused, with the database's reason. When even its dead letter is refused
     * (its key or event id), a bare one is kept: coordinates, reason and raw bytes only.
     */
    private UsageRecorder.Result storeRefused(Item item, SQLException refusal) throws SQLException {
        String reason = REFUSED + SqlErrors.reason(refusal);
        DeadLetterEntry deadLetter;
        if (item.deadLetter() != null) {
            // its dead letter itself was refused
            deadLetter = new DeadLetterEntry(
                    item.source(),
                    null,
                    null,
                    "dead letter " + reason + "; was: " + item.deadLetter().reason(),
                    item.deadLetter().raw());
        } else {
            deadLetter = new DeadLetterEntry(
                    item.source(), item.key(), item.metered().eventId(), reason, rawOf(item));
        }
        LOG.warn("Record {} refused by the database, dead-lettered: {}", item.source(), reason);
        try {
            return store.record(List.of(), List.of(), List.of(deadLetter));
        } catch (SQLException e) {
            if (!SqlErrors.refusesData(e)) {
                throw e;
            }
            return store.record(
                    List.of(),
                    List.of(),
                    List.of(new DeadLetterEntry(item.source(), null, null, deadLetter.reason(), deadLetter.raw())));
        }
    }

    private static byte[] rawOf(Item item) {
        return item.raw() == null ? new byte[0] : item.raw();
    }

    /** When the last batch was stored and committed, or null before the first. */
    Instant lastBatchAt() {
        return lastBatchAt;
    }

    /** One consumed record on its way to the database: either metered or a dead letter. */
    private record Item(
            KafkaCoordinates source,
            String key,
            byte[] raw,
            OutboxEntry metered,
            DeadLetterEntry deadLetter,
            MeteredUsage usage,
            TicketFacts facts) {}

    /**
     * The completeness facts of a metered record: its content hash and session position; the one mapping, also used by
     * {@code replay} and {@code dead-letters redrive} so they track gaps and forks as the route does.
     */
    public static TicketFacts ticketFacts(MeteringOutcome.Metered m, String key, byte[] raw) {
        SessionPosition p = m.position();
        return new TicketFacts(
                TicketFacts.sha256(raw),
                p == null ? "" : p.signer(),
                p == null ? null : p.sessionId(),
                p == null ? null : p.sequenceNumber(),
                p == null ? 0 : p.numTickets(),
                key,
                raw == null ? new byte[0] : raw);
    }

    /**
     * The outbox row of a metered event consumed at {@code source}: the one mapping of metering's output to the outbox,
     * also used by {@code replay} and {@code dead-letters redrive}.
     */
    public static OutboxEntry toOutbox(MeteredUsage usage, KafkaCoordinates source) {
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
                source,
                usage.payerAddress(),
                new OutboxEntry.UsdAudit(
                        usage.usdSource().label(),
                        usage.audit().oracleMicros(),
                        usage.audit().signerMicros(),
                        usage.audit().divergenceMicros(),
                        usage.audit().audited() ? usage.audit().flagged() : null));
    }
}
