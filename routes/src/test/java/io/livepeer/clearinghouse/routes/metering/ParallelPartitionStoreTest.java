package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Parallel storing by partition ({@code clearinghouse.metering.store-parallelism}) on PostgreSQL: one Kafka batch
 * spanning three partitions is stored in three concurrent transactions, each partition's offset is committed only when
 * its own transaction has committed, a failing partition is neither committed nor blocks the others, and a payment
 * session spread over the partitions keeps exact gaps, balances and books. The Kafka consumer is replaced by
 * {@code direct:} (batches built as camel-kafka delivers them); storage is the real recorder with the ledger fan-out
 * and completeness tracking.
 */
class ParallelPartitionStoreTest extends CamelTestSupport {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:05Z"), ZoneOffset.UTC);

    Database database;
    Ledger ledger;
    MeteringBatchProcessor processor;
    final List<String> commits = new CopyOnWriteArrayList<>();
    /** Threads that ran a store, per partition. */
    final Map<Integer, String> storedOn = new ConcurrentHashMap<>();
    /** When set, every store waits here first: passes only if that many transactions are in flight at once. */
    volatile CyclicBarrier together;
    /** Partitions whose store fails as if the database were unavailable. */
    final Set<Integer> unavailableFor = ConcurrentHashMap.newKeySet();

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties props = new Properties();
        try (var in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return props;
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        JdbcTarget target = TestDatabases.postgres();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 6));
        ledger = new Ledger(database, CLOCK);
        PriceService price = new PriceService(Duration.ofMinutes(15), CLOCK);
        price.update(new PriceQuote(new BigDecimal("3000"), CLOCK.instant(), "static"));
        UsageRecorder recorder = new UsageRecorder(database, ledger, CLOCK);
        processor = new MeteringBatchProcessor(
                new SignerEventMetering(
                        new UsageCloudEventMapper("test"),
                        Catalog.defaultCatalog().markup(),
                        new MeteringLimits(
                                new BigInteger("1000000000000000000000"), Duration.ofHours(1), Duration.ofDays(30))),
                price,
                (metered, facts, deadLetters) -> {
                    int partition =
                            metered.isEmpty() ? -1 : metered.get(0).source().partition();
                    storedOn.put(partition, Thread.currentThread().getName());
                    CyclicBarrier barrier = together;
                    if (barrier != null) {
                        try {
                            barrier.await(20, TimeUnit.SECONDS);
                            together = null; // once: a store tried again does not wait
                        } catch (Exception e) {
                            throw new IllegalStateException("the three stores did not run at once", e);
                        }
                    }
                    if (unavailableFor.contains(partition)) {
                        throw new SQLTransientConnectionException("database unavailable (injected)");
                    }
                    return recorder.record(metered, facts, deadLetters);
                },
                3,
                new MeteringMetrics(new SimpleMeterRegistry()),
                deadLetters -> {},
                CLOCK);
        return new SignerEventsRoute(processor, true);
    }

    @AfterEach
    void closeDatabase() {
        processor.close();
        database.close();
    }

    /** What the fan-out debited {@code subject}: the sum of its outbox rows' billable USD micros. */
    BigDecimal billed(String subject) throws Exception {
        return database.withHandle(
                h -> h.createQuery("SELECT SUM(billable_usd_micros) FROM outbox_events WHERE subject = :subject")
                        .bind("subject", subject)
                        .mapTo(BigDecimal.class)
                        .one());
    }

    void adviseAndStart() throws Exception {
        AdviceWith.adviceWith(context, SignerEventsRoute.ROUTE_ID, a -> a.replaceFromWith("direct:signer-batch"));
        context.start();
    }

    /** A record of {@code partition} at {@code offset} as camel-kafka delivers it, with a manual-commit handle. */
    Exchange record(int partition, long offset, String body) {
        Exchange record = new DefaultExchange(context);
        record.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
        record.getMessage().setHeader(KafkaConstants.TOPIC, "livepeer-gateway-events");
        record.getMessage().setHeader(KafkaConstants.PARTITION, partition);
        record.getMessage().setHeader(KafkaConstants.OFFSET, offset);
        record.getMessage().setHeader(KafkaConstants.MANUAL_COMMIT, (KafkaManualCommit)
                () -> commits.add(partition + ":" + offset));
        return record;
    }

    /** A signed ticket of {@code customer}'s payment session {@code session}, sequence {@code seq}, 10^15 wei. */
    static String ticket(String customer, String session, long seq) {
        return "{\"id\":\"" + UUID.randomUUID()
                + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"1787220000123\","
                + "\"data\":{\"auth_id\":\"acme:" + customer + "\",\"computed_fee\":\"1000000000000000\","
                + "\"pipeline\":\"live\",\"request_id\":\"a1b2c3d4\",\"session_id\":\"" + session + "\","
                + "\"sequence_number\":" + seq + ",\"num_tickets\":1,"
                + "\"payer_address\":\"0xabcdef0123456789abcdef0123456789abcdef01\","
                + "\"current_time\":\"2026-08-20T10:00:00Z\"}}";
    }

    /**
     * Sequences {@code 0..last} of one session (without {@code lost}) round-robin over partitions 0-2, at offsets
     * from {@code firstOffset}; three customers' events interleaved, all of them billed to shared balance rows.
     */
    List<Exchange> sessionBatch(String session, int last, Set<Integer> lost, long firstOffset) {
        List<Exchange> records = new ArrayList<>();
        long[] offsets = {firstOffset, firstOffset, firstOffset};
        long[] bobSequences = new long[3];
        for (int seq = 0; seq <= last; seq++) {
            if (lost.contains(seq)) {
                continue;
            }
            int partition = seq % 3;
            records.add(record(partition, offsets[partition]++, ticket("alice", session, seq)));
            // bob: a session of his own per partition, without gaps
            records.add(record(
                    partition,
                    offsets[partition]++,
                    ticket("bob", session + "-b" + partition, bobSequences[partition]++)));
        }
        return records;
    }

    @Test
    void a_batch_over_three_partitions_is_stored_in_three_concurrent_transactions_each_committed_after_its_own()
            throws Exception {
        adviseAndStart();
        together = new CyclicBarrier(3);

        Exchange result =
                template.send("direct:signer-batch", e -> e.getMessage().setBody(sessionBatch("s1", 8, Set.of(), 0)));

        assertThat(result.getException()).isNull();
        // the barrier let the three stores through only together: three transactions were in flight at once
        assertThat(storedOn).containsOnlyKeys(0, 1, 2);
        assertThat(Set.copyOf(storedOn.values())).hasSize(3);
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(18);
        // the last record of each partition: 3 sequences x 2 customers = offsets 0..5
        assertThat(commits).containsExactlyInAnyOrder("0:5", "1:5", "2:5");
        assertThat(ledger.account("customer:acme:alice").orElseThrow().balance())
                .isEqualByComparingTo(billed("acme:alice").negate());
        assertThat(ledger.account("customer:acme:bob").orElseThrow().balance())
                .isEqualByComparingTo(billed("acme:bob").negate());
        assertThat(new SequenceGaps(database).summary().openGaps()).isZero();
        Reconciliation.Report books = new Reconciliation(database, CLOCK).run();
        assertThat(books.ok()).as(books.markdown()).isTrue();
    }

    @Test
    void a_partition_whose_transaction_fails_is_not_committed_and_the_others_are_stored_and_committed()
            throws Exception {
        adviseAndStart();
        unavailableFor.add(1);

        // the processor alone (the route's retries with backoff are SignerEventsRouteTest's): the batch fails, so the
        // consumer re-reads partition 1 from its committed offset; 0 and 2 are stored and committed
        List<Exchange> batch = sessionBatch("s2", 8, Set.of(), 10);
        Exchange failed = new DefaultExchange(context);
        failed.getMessage().setBody(batch);
        assertThatThrownBy(() -> processor.process(failed)).hasMessageContaining("injected");
        assertThat(commits).containsOnly("0:15", "2:15");
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(12);

        // the database is back; Kafka delivers partition 1 again (and, here, the whole batch): each event once
        unavailableFor.clear();
        commits.clear();
        Exchange again =
                template.send("direct:signer-batch", e -> e.getMessage().setBody(batch));
        assertThat(again.getException()).isNull();
        assertThat(commits).containsExactlyInAnyOrder("0:15", "1:15", "2:15");
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(18);
        assertThat(ledger.account("customer:acme:alice").orElseThrow().balance())
                .isEqualByComparingTo(billed("acme:alice").negate());
        assertThat(billed("acme:alice")).isEqualByComparingTo(billed("acme:bob"));
        assertThat(new SequenceGaps(database).summary().openGaps()).isZero();
        Reconciliation.Report books = new Reconciliation(database, CLOCK).run();
        assertThat(books.ok()).as(books.markdown()).isTrue();
    }

    @Test
    void the_same_event_in_two_partitions_stored_at_once_is_billed_once_and_a_forked_copy_is_quarantined()
            throws Exception {
        adviseAndStart();
        String event = ticket("carol", "s4", 0);
        String id = event.substring(7, 43);
        // the same id with another fee: a fork
        String forked = event.replace("1000000000000000", "2000000000000000");
        together = new CyclicBarrier(2);

        // one copy per partition, both transactions at once: one waits for the other's insert, then meets its
        // unique key, and is stored again (screened against the committed row) rather than refused
        template.sendBody("direct:signer-batch", List.of(record(0, 300, event), record(1, 300, event)));

        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        assertThat(new io.livepeer.clearinghouse.ledger.DeadLetters(database).count())
                .isZero();

        together = new CyclicBarrier(2);
        template.sendBody("direct:signer-batch", List.of(record(0, 301, forked), record(2, 300, forked)));

        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        List<String> reasons = database.withHandle(h -> h.createQuery("SELECT reason FROM dead_letters")
                .mapTo(String.class)
                .list());
        assertThat(reasons)
                .hasSize(2)
                .allSatisfy(r -> assertThat(r).startsWith("fork: ").contains(id));
        assertThat(ledger.account("customer:acme:carol").orElseThrow().balance())
                .isEqualByComparingTo(billed("acme:carol").negate());
        assertThat(commits).contains("0:300", "1:300", "0:301", "2:300");
    }

    @Test
    void a_session_spread_over_partitions_stored_concurrently_keeps_its_gaps_exact_and_a_late_event_fills_them()
            throws Exception {
        adviseAndStart();

        // sequences 0..11 of one session over three partitions, 4 and 7 lost
        template.sendBody("direct:signer-batch", sessionBatch("s3", 11, Set.of(4, 7), 100));

        List<SequenceGaps.Gap> gaps = new SequenceGaps(database)
                .list(null, 10).stream().filter(g -> g.sessionId().equals("s3")).toList();
        assertThat(gaps)
                .extracting(SequenceGaps.Gap::fromSequence, SequenceGaps.Gap::toSequence)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(4L, 4L), org.assertj.core.groups.Tuple.tuple(7L, 7L));

        // the lost ones arrive late, on two partitions in one batch
        template.sendBody(
                "direct:signer-batch",
                List.of(record(1, 200, ticket("alice", "s3", 4)), record(2, 200, ticket("alice", "s3", 7))));

        assertThat(new SequenceGaps(database)
                        .list(null, 10).stream()
                                .filter(g -> g.sessionId().equals("s3"))
                                .toList())
                .isEmpty();
        assertThat(ledger.account("customer:acme:alice").orElseThrow().balance())
                .isEqualByComparingTo(billed("acme:alice").negate());
        int aliceEvents = database.withHandle(
                h -> h.createQuery("SELECT COUNT(*) FROM outbox_events WHERE subject = 'acme:alice'")
                        .mapTo(Integer.class)
                        .one());
        assertThat(aliceEvents).isEqualTo(12);
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(22);
        Reconciliation.Report books = new Reconciliation(database, CLOCK).run();
        assertThat(books.ok()).as(books.markdown()).isTrue();
    }
}
