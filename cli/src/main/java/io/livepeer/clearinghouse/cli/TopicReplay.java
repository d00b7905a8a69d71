package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.Reprocessing;
import io.livepeer.clearinghouse.ledger.SqlErrors;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.TicketFacts;
import io.livepeer.clearinghouse.ledger.completeness.TicketTracker;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Re-consumes a range of the signer topic through the metering of the live route and stores it as the route does
 * ({@link UsageRecorder}: outbox, ledger fan-out, dead letters), or, in a dry run, only reports what it would store.
 *
 * <p>The consumer has no group: it is assigned the partitions and seeks (by offset, or by record timestamp with
 * {@code offsetsForTimes}), so it never joins the application's consumer group and never commits an offset. The
 * range is fixed when the replay starts: from the given offset (or the first record at or after {@code --from-time})
 * up to the end offset at that moment, or to the first record at or after {@code --to-time} (exclusive). Record
 * timestamps are Kafka's (the producer's create time, or the broker's log-append time), not the usage time.
 *
 * <p>Completeness is tracked as in the route when {@code clearinghouse.metering.track-sequences} is on: new events
 * are recorded in {@code ticket_events} (a replayed event fills its gap) and forks (an id seen with other content, a
 * session sequence billed by another event) are dead-lettered with both payloads, never billed; a dry run reports
 * them as {@code fork}.
 *
 * <p>Event ids already in the outbox are duplicates: counted, never written again, so never delivered twice. A record
 * already kept as a dead letter (same coordinates) is counted as such and not stored again. New metered events are
 * written as pending; the running application's delivery sends them.
 */
final class TopicReplay {

    /** Lines kept for the report; the counts cover all. */
    static final int SHOWN = 50;
    /** The replay gives up when the consumer makes no progress for this long. */
    static final Duration STALL = Duration.ofSeconds(60);

    private final Properties consumerProperties;
    private final String topic;
    private final OfflineMetering metering;
    private final Database database;
    private final UsageRecorder recorder;
    private final Reprocessing reprocessing;
    private final TicketTracker tracker;
    private final Clock clock;

    /**
     * @param consumerProperties bootstrap servers and the operator's client properties (security); group and commit
     *                           settings are set here
     * @param topic              the signer topic
     * @param metering           the metering of the application's settings
     * @param database           the application's database
     * @param recorder           the application's recorder (with the ledger when the fan-out is on)
     * @param clock              our clock (receive time)
     */
    TopicReplay(
            Properties consumerProperties,
            String topic,
            OfflineMetering metering,
            Database database,
            UsageRecorder recorder,
            Clock clock) {
        this.consumerProperties = consumerProperties;
        this.topic = topic;
        this.metering = metering;
        this.database = database;
        this.recorder = recorder;
        this.reprocessing = new Reprocessing(database);
        this.tracker = new TicketTracker(database);
        this.clock = clock;
    }

    /**
     * Where a replay starts: either offsets per partition or a time (for every partition of the topic).
     *
     * @param offsets  first offset per partition (only these partitions are read), or null
     * @param fromTime the first record at or after this time in each partition, or null
     * @param toTime   stop before the first record at or after this time, or null for the end at the start
     */
    record Start(Map<Integer, Long> offsets, Instant fromTime, Instant toTime) {}

    /**
     * A partition's range.
     *
     * @param partition partition
     * @param from      first offset
     * @param to        end offset (exclusive)
     */
    record Range(int partition, long from, long to) {
        long size() {
            return Math.max(0, to - from);
        }
    }

    /**
     * One record's fate.
     *
     * @param source  coordinates
     * @param outcome {@code metered}, {@code duplicate}, {@code fork} (dead-lettered by completeness tracking),
     *                {@code dead-lettered}, {@code already dead-lettered}, {@code skipped}
     * @param eventId the event id, may be null
     * @param detail  subject, reason or event type
     */
    record Line(KafkaCoordinates source, String outcome, String eventId, String detail) {}

    /** What a replay did (or, dry, would do). */
    static final class Report {
        final boolean dryRun;
        final List<Range> ranges = new ArrayList<>();
        long records;
        long metered;
        long duplicates;
        long deadLettered;
        /** Forks among the dead-lettered (quarantined by completeness tracking, as the route does). */
        long forks;

        long alreadyDeadLettered;
        long skipped;
        final List<Line> lines = new ArrayList<>();

        Report(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void line(Line line) {
            if (lines.size() < SHOWN) {
                lines.add(line);
            }
        }

        /** One summary sentence. */
        String summary() {
            String verb = dryRun ? "would be " : "";
            return records + " record(s) read: " + metered + " " + verb + "metered, " + duplicates
                    + " duplicate(s) (already billed, not sent again), " + deadLettered + " " + verb
                    + "dead-lettered" + (forks == 0 ? "" : " (" + forks + " fork(s))") + ", " + alreadyDeadLettered
                    + " already dead letters, " + skipped
                    + " skipped (not metered types)";
        }
    }

    /**
     * Runs the replay.
     *
     * @throws IllegalArgumentException when the topic or a partition does not exist, or an offset is outside the log
     * @throws IOException              when the consumer stalls
     * @throws SQLException             when the database fails (what was stored so far stays: a rerun counts it as
     *     duplicates)
     */
    Report run(Start start, boolean dryRun) throws IOException, SQLException {
        Properties props = new Properties();
        props.putAll(consumerProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "clearinghouse-replay");
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        props.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        Report report = new Report(dryRun);
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Range> ranges = ranges(consumer, start);
            report.ranges.addAll(ranges.values());
            Map<TopicPartition, Range> open = new HashMap<>();
            ranges.forEach((tp, r) -> {
                if (r.size() > 0) {
                    open.put(tp, r);
                }
            });
            if (open.isEmpty()) {
                return report;
            }
            consumer.assign(open.keySet());
            open.forEach((tp, r) -> consumer.seek(tp, r.from()));
            Set<String> seenThisRun = new HashSet<>();
            long lastProgress = System.nanoTime();
            while (!open.isEmpty()) {
                ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofMillis(500));
                List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> record : polled) {
                    Range r = open.get(new TopicPartition(record.topic(), record.partition()));
                    if (r != null && record.offset() < r.to()) {
                        batch.add(record);
                    }
                }
                if (!batch.isEmpty()) {
                    process(batch, dryRun, seenThisRun, report);
                    lastProgress = System.nanoTime();
                }
                for (TopicPartition tp : List.copyOf(open.keySet())) {
                    if (consumer.position(tp) >= open.get(tp).to()) {
                        open.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
                if (!open.isEmpty() && System.nanoTime() - lastProgress > STALL.toNanos()) {
                    throw new IOException("replay stalled: no record from " + open.keySet() + " for " + STALL + " ("
                            + report.records + " record(s) processed so far)");
                }
            }
        }
        return report;
    }

    /** The range of every partition that is read. */
    private Map<TopicPartition, Range> ranges(KafkaConsumer<String, byte[]> consumer, Start start) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("topic " + topic + " does not exist (or has no partitions)");
        }
        Set<Integer> existing = new HashSet<>();
        infos.forEach(i -> existing.add(i.partition()));
        List<TopicPartition> partitions = new ArrayList<>();
        if (start.offsets() != null) {
            for (int p : start.offsets().keySet()) {
                if (!existing.contains(p)) {
                    throw new IllegalArgumentException(
                            "topic " + topic + " has no partition " + p + " (partitions: " + existing + ")");
                }
                partitions.add(new TopicPartition(topic, p));
            }
        } else {
            existing.stream().sorted().forEach(p -> partitions.add(new TopicPartition(topic, p)));
        }
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> from = new HashMap<>();
        if (start.offsets() != null) {
            for (TopicPartition tp : partitions) {
                long offset = start.offsets().get(tp.partition());
                if (offset < beginning.get(tp)) {
                    throw new IllegalArgumentException("partition " + tp.partition() + " starts at offset "
                            + beginning.get(tp) + " now (older records were removed by the topic's retention), not "
                            + offset);
                }
                from.put(tp, Math.min(offset, end.get(tp)));
            }
        } else {
            from.putAll(atTime(consumer, partitions, start.fromTime(), end));
        }
        Map<TopicPartition, Long> to = start.toTime() == null ? end : atTime(consumer, partitions, start.toTime(), end);
        Map<TopicPartition, Range> ranges = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
        for (TopicPartition tp : partitions) {
            long f = from.get(tp);
            ranges.put(tp, new Range(tp.partition(), f, Math.max(f, to.get(tp))));
        }
        return ranges;
    }

    /** Per partition, the offset of the first record at or after {@code time}, or the end offset when none is. */
    private static Map<TopicPartition, Long> atTime(
            KafkaConsumer<String, byte[]> consumer,
            List<TopicPartition> partitions,
            Instant time,
            Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, time.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            offsets.put(tp, at == null ? end.get(tp) : at.offset());
        }
        return offsets;
    }

    private void process(
            List<ConsumerRecord<String, byte[]>> batch, boolean dryRun, Set<String> seenThisRun, Report report)
            throws SQLException {
        Instant now = clock.instant();
        List<OfflineMetering.Result> results = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, byte[]> record : batch) {
            results.add(metering.meter(
                    record.value(),
                    new KafkaCoordinates(record.topic(), record.partition(), record.offset()),
                    record.key(),
                    now));
        }
        report.records += batch.size();
        Set<String> billed = reprocessing.billed(results.stream()
                .filter(r -> r.kind() == OfflineMetering.Kind.METERED)
                .map(OfflineMetering.Result::eventId)
                .toList());
        Map<Integer, Set<Long>> kept = new HashMap<>();
        Map<Integer, List<Long>> rejectedOffsets = new HashMap<>();
        for (OfflineMetering.Result r : results) {
            if (r.kind() == OfflineMetering.Kind.REJECTED) {
                rejectedOffsets
                        .computeIfAbsent(r.source().partition(), p -> new ArrayList<>())
                        .add(r.source().offset());
            }
        }
        for (Map.Entry<Integer, List<Long>> e : rejectedOffsets.entrySet()) {
            kept.put(e.getKey(), reprocessing.deadLettered(topic, e.getKey(), e.getValue()));
        }
        Map<KafkaCoordinates, String> forks = forks(results);
        List<OfflineMetering.Result> toStore = new ArrayList<>();
        for (OfflineMetering.Result r : results) {
            switch (r.kind()) {
                case METERED -> {
                    String fork = forks.get(r.source());
                    if (fork != null) {
                        // quarantined as the route does: a dead letter with both payloads, never billed
                        report.forks++;
                        report.line(new Line(r.source(), "fork", r.eventId(), fork));
                        if (dryRun) {
                            report.deadLettered++;
                        } else {
                            toStore.add(r);
                        }
                        continue;
                    }
                    boolean duplicate = billed.contains(r.eventId()) || !seenThisRun.add(r.eventId());
                    report.line(new Line(r.source(), duplicate ? "duplicate" : "metered", r.eventId(), r.detail()));
                    if (dryRun) {
                        if (duplicate) {
                            report.duplicates++;
                        } else {
                            report.metered++;
                        }
                    } else {
                        toStore.add(r);
                    }
                }
                case REJECTED -> {
                    boolean already = kept.getOrDefault(r.source().partition(), Set.of())
                            .contains(r.source().offset());
                    report.line(new Line(
                            r.source(), already ? "already dead-lettered" : "dead-lettered", r.eventId(), r.detail()));
                    if (dryRun) {
                        if (already) {
                            report.alreadyDeadLettered++;
                        } else {
                            report.deadLettered++;
                        }
                    } else {
                        toStore.add(r);
                    }
                }
                case SKIPPED -> {
                    report.skipped++;
                    report.line(new Line(r.source(), "skipped", null, r.detail()));
                }
            }
        }
        if (!toStore.isEmpty()) {
            UsageRecorder.Result stored = store(toStore);
            report.metered += stored.inserted();
            report.duplicates += stored.duplicates();
            report.deadLettered += stored.deadLettered();
            // dead letters not stored because their record was already kept (a refused record is counted once)
            report.alreadyDeadLettered +=
                    toStore.size() - stored.inserted() - stored.duplicates() - stored.deadLettered();
        }
    }

    /**
     * The forks among the batch's metered records (by coordinates, with the reason), as the route's transaction would
     * find them now ({@link TicketTracker#preview}); empty when completeness tracking is off.
     */
    private Map<KafkaCoordinates, String> forks(List<OfflineMetering.Result> results) throws SQLException {
        if (!metering.tracksSequences()) {
            return Map.of();
        }
        List<OfflineMetering.Result> metered = results.stream()
                .filter(r -> r.kind() == OfflineMetering.Kind.METERED)
                .toList();
        Map<KafkaCoordinates, String> forks = new HashMap<>();
        tracker.preview(
                        metered.stream().map(OfflineMetering.Result::outbox).toList(),
                        metered.stream().map(OfflineMetering.Result::facts).toList())
                .forks()
                .forEach(f -> forks.put(f.deadLetter().source(), f.deadLetter().reason()));
        return forks;
    }

    /**
     * Stores a batch in one transaction, with the route's completeness tracking when it is on (gaps recorded, forks
     * dead-lettered); when the database refuses the data of a record (SQLSTATE class 22/23, among them a unique key
     * another instance committed meanwhile), each record is stored on its own (re-reading what is committed) and the
     * refused one is dead-lettered with the database's reason, as the route does.
     */
    private UsageRecorder.Result store(List<OfflineMetering.Result> results) throws SQLException {
        List<OutboxEntry> metered = new ArrayList<>();
        List<TicketFacts> facts = new ArrayList<>();
        List<DeadLetterEntry> deadLetters = new ArrayList<>();
        for (OfflineMetering.Result r : results) {
            if (r.outbox() != null) {
                metered.add(r.outbox());
                facts.add(r.facts());
            } else {
                deadLetters.add(r.deadLetter());
            }
        }
        try {
            return recorder.record(metered, metering.tracksSequences() ? facts : null, deadLetters);
        } catch (SQLException e) {
            if (!SqlErrors.refusesData(e)) {
                throw e;
            }
            if (results.size() == 1) {
                return recorder.record(List.of(), List.of(results.get(0).refused(SqlErrors.reason(e))));
            }
            UsageRecorder.Result all = UsageRecorder.Result.NONE;
            for (OfflineMetering.Result r : results) {
                all = all.plus(store(List.of(r)));
            }
            return all;
        }
    }
}
