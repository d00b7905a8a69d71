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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>With a store parallelism above 1 (PostgreSQL), a batch spanning several partitions is split by partition and each
 * partition's share is metered and stored in its own transaction, concurrently (the consumer thread stores one share
 * itself). The batch is finished only when every share's transaction has ended; then, on the consumer thread, the
 * offsets of the shares that committed are committed, and if one failed its error is thrown, so the route retries the
 * batch (the committed shares come back as duplicates) and, after that, the consumer re-reads the failed partition
 * from its last committed offset. At-least-once and idempotency by event id are unchanged; shares of different
 * partitions meet on the same rows exactly as two instances do (below).
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
public final class MeteringBatchProcessor implements Processor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringBatchProcessor.class);

    private final SignerEventMetering metering;
    private final PriceService price;
    private final TrackingStore store;
    private final MeteringMetrics metrics;
    private final Consumer<List<DeadLetterEntry>> deadLetterPublisher;
    private final Clock clock;
    /** Stores parts of a batch beside the consumer thread; null when a batch is one transaction. */
    private final ExecutorService storePool;

    private volatile Instant lastBatchAt;
    private final AtomicBoolean fallbackAnnounced = new AtomicBoolean();
    /** The refusal that split the part being stored on this thread, null when it was stored whole. */
    private final ThreadLocal<String> refusedWhole = new ThreadLocal<>();
    /** Per partition: since when each of its batches was refused whole and stored only in parts. */
    private final Map<Integer, Splitting> splitting = new java.util.concurrent.ConcurrentHashMap<>();

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
        this(metering, price, recorder, trackSequences, 1, metrics, deadLetterPublisher, clock);
    }

    /**
     * @param storeParallelism how many partitions of one Kafka batch are stored at once, each part in its own
     *                         transaction and its offset committed only after that transaction
     *                         ({@code clearinghouse.metering.store-parallelism}); 1 stores the whole batch in one
     *                         transaction
     */
    public MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            UsageRecorder recorder,
            boolean trackSequences,
            int storeParallelism,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        this(
                metering,
                price,
                trackSequences
                        ? (TrackingStore) recorder::record
                        : (TrackingStore) (metered, facts, deadLetters) -> recorder.record(metered, deadLetters),
                storeParallelism,
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
                1,
                metrics,
                deadLetterPublisher,
                clock);
    }

    /** With any {@link TrackingStore}; {@code storeParallelism} as in the public constructor. */
    MeteringBatchProcessor(
            SignerEventMetering metering,
            PriceService price,
            TrackingStore store,
            int storeParallelism,
            MeteringMetrics metrics,
            Consumer<List<DeadLetterEntry>> deadLetterPublisher,
            Clock clock) {
        if (storeParallelism < 1) {
            throw new IllegalArgumentException("storeParallelism must be at least 1, got " + storeParallelism);
        }
        this.metering = metering;
        this.price = price;
        this.store = store;
        this.metrics = metrics;
        this.deadLetterPublisher = deadLetterPublisher;
        this.clock = clock;
        this.storePool = storeParallelism == 1 ? null : storePool(storeParallelism - 1);
    }

    /** {@code threads} daemon threads beside the consumer's (which stores one part itself), idle ones let go. */
    private static ExecutorService storePool(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, "metering-store-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
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
        List<List<Exchange>> parts = parts(records);
        List<Part> stored = new ArrayList<>(parts.size());
        Exception failure = null;
        if (parts.size() == 1) {
            stored.add(meterAndStore(parts.get(0), quote));
        } else {
            // one transaction per partition, concurrently; the last part on this (the consumer's) thread
            List<Future<Part>> futures = new ArrayList<>(parts.size() - 1);
            for (List<Exchange> part : parts.subList(0, parts.size() - 1)) {
                futures.add(storePool.submit(() -> meterAndStore(part, quote)));
            }
            Part own = null;
            try {
                own = meterAndStore(parts.get(parts.size() - 1), quote);
            } catch (Exception e) {
                failure = e;
            }
            // every part is waited for before anything is committed or thrown: no transaction of this batch may
            // still run when Kafka re-reads it
            for (Future<Part> future : futures) {
                try {
                    stored.add(future.get());
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : unwrap(e);
                }
            }
            if (own != null) {
                stored.add(own);
            }
        }

        UsageRecorder.Result result = UsageRecorder.Result.NONE;
        int consumed = 0;
        List<Item> items = new ArrayList<>(records.size());
        for (Part part : stored) {
            result = result.plus(part.result());
            consumed += part.records();
            items.addAll(part.items());
        }
        exchange.setProperty(OutboxCommits.NEW_EVENTS, result.inserted());
        if (failure == null) {
            sample.stop(metrics.batchTimer());
        }
        metrics.batch(consumed, result.inserted(), result.duplicates());
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
        if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "Batch of {} records in {} part(s): {} metered, {} duplicate, {} dead-lettered",
                    records.size(),
                    parts.size(),
                    result.inserted(),
                    result.duplicates(),
                    result.deadLettered());
        }

        // on the consumer thread (a KafkaConsumer is single-threaded), only the offsets of the parts whose own
        // transaction committed: a failed part's partition is re-read from its last committed offset
        for (Part part : stored) {
            for (Exchange last : part.lastPerPartition()) {
                KafkaManualCommit commit =
                        last.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
                if (commit != null) {
                    commit.commit();
                }
            }
        }
        if (!newDeadLetters.isEmpty()) {
            // only the new ones: a replayed batch's dead letters were announced when they were first stored
            deadLetterPublisher.accept(newDeadLetters);
        }
        if (failure != null) {
            throw failure;
        }
        lastBatchAt = clock.instant();
    }

    /**
     * The batch's records split into the parts stored in their own transactions: one per partition (in order of first
     * appearance, each in consumption order) when parallel storing is on and the batch spans several partitions; the
     * whole batch as one part otherwise.
     */
    private List<List<Exchange>> parts(List<?> records) {
        if (storePool == null) {
            return List.of(exchanges(records));
        }
        Map<Integer, List<Exchange>> byPartition = new LinkedHashMap<>();
        for (Object o : records) {
            Exchange record = (Exchange) o;
            int partition = record.getMessage().getHeader(KafkaConstants.PARTITION, 0, Integer.class);
            byPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(record);
        }
        return List.copyOf(byPartition.values());
    }

    @SuppressWarnings("unchecked")
    private static List<Exchange> exchanges(List<?> records) {
        return (List<Exchange>) records;
    }

    private static Exception unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception exception) {
            return exception;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return e;
    }

    /**
     * Meters records (of one partition, or a whole batch) and stores them in one transaction ({@link #store}).
     *
     * @return what was stored, and the last record of each partition, whose offset may be committed now
     * @throws SQLException when the transaction failed (nothing of these records was stored)
     */
    private Part meterAndStore(List<Exchange> records, PriceQuote quote) throws SQLException {
        List<Item> items = new ArrayList<>(records.size());
        Map<Integer, Exchange> lastPerPartition = new LinkedHashMap<>();
        for (Exchange record : records) {
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
        refusedWhole.remove();
        UsageRecorder.Result result = items.isEmpty() ? UsageRecorder.Result.NONE : store(items);
        String refusal = refusedWhole.get();
        refusedWhole.remove();
        if (!items.isEmpty()) {
            Instant now = clock.instant();
            for (Integer partition : lastPerPartition.keySet()) {
                if (refusal == null) {
                    splitting.remove(partition); // stored whole: whatever refused earlier batches has passed
                } else {
                    splitting.merge(
                            partition,
                            new Splitting(now, refusal),
                            (first, last) -> new Splitting(first.since(), last.reason()));
                }
            }
        }
        return new Part(records.size(), items, result, List.copyOf(lastPerPartition.values()));
    }

    /** One part of a batch, stored (committed) in its own transaction. */
    private record Part(int records, List<Item> items, UsageRecorder.Result result, List<Exchange> lastPerPartition) {}

    /**
     * Stops the threads that store parts of a batch in parallel (the consumer must have stopped); idempotent.
     */
    @Override
    public void close() {
        if (storePool != null) {
            storePool.shutdown();
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
     * commits and the partition moves on. A unique-key violation is first taken for a race with a concurrent
     * transaction that stored the same key (it has committed when the violation is raised) and the items are stored
     * once more, screened against it, before anything is halved or refused. Any other failure (the database
     * unavailable, a deadlock, a timeout) is thrown unchanged, whatever was stored so far stays (replays are
     * idempotent), and nothing is dead-lettered for it.
     */
    private UsageRecorder.Result store(List<Item> items) throws SQLException {
        SQLException refusal;
        try {
            return record(items);
        } catch (SQLException e) {
            refusal = e;
        }
        if (SqlErrors.uniqueViolation(refusal)) {
            // a concurrent transaction (another partition's share of this batch, another instance) stored the same
            // event id or session sequence first and has committed: stored again, the items are screened against it
            // (a duplicate, or a fork) instead of being taken for data the database refuses
            LOG.debug(
                    "A concurrent transaction stored a key of {} record(s) from {} first ({}); storing them again",
                    items.size(),
                    items.get(0).source(),
                    SqlErrors.reason(refusal));
            try {
                return record(items);
            } catch (SQLException e) {
                refusal = e;
            }
        }
        if (!SqlErrors.refusesData(refusal)) {
            throw refusal;
        }
        if (items.size() == 1) {
            return storeRefused(items.get(0), refusal);
        }
        LOG.warn(
                "The database refused a batch of {} records from {} ({}); storing it in halves to find the record",
                items.size(),
                items.get(0).source(),
                SqlErrors.reason(refusal));
        metrics.splitBatch();
        if (refusedWhole.get() == null) {
            // the whole part's refusal (where it starts), not a half's
            refusedWhole.set(items.get(0).source() + ": " + SqlErrors.reason(refusal));
        }
        int half = items.size() / 2;
        return store(items.subList(0, half)).plus(store(items.subList(half, items.size())));
    }

    /** One transaction: {@link TrackingStore#record}. */
    private UsageRecorder.Result record(List<Item> items) throws SQLException {
        return store.record(
                items.stream()
                        .filter(i -> i.metered() != null)
                        .map(Item::metered)
                        .toList(),
                items.stream().filter(i -> i.metered() != null).map(Item::facts).toList(),
                items.stream()
                        .filter(i -> i.deadLetter() != null)
                        .map(Item::deadLetter)
                        .toList());
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

    /**
     * Since when every batch of a partition was refused whole by the database and stored only in parts (halves, down
     * to the record it refuses), with the last refusal, for the partition doing so longest; null when the last batch of
     * every partition was stored whole. One split is a bad record or a race with another instance; splits without end
     * are a partition that crawls (the health check reports them).
     */
    Splitting splitting() {
        return splitting.values().stream()
                .min(java.util.Comparator.comparing(Splitting::since))
                .orElse(null);
    }

    /**
     * @param since  the first of the consecutive batches stored only in parts
     * @param reason where and why the database refused the last one (Kafka coordinates, SQLSTATE and message)
     */
    record Splitting(Instant since, String reason) {}

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
