package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The metering route alone (no broker, no application): the Kafka consumer is replaced by {@code direct:} with
 * AdviceWith, batches are built as camel-kafka delivers them ({@code List<Exchange>} with the Kafka headers and a
 * manual-commit handle), and storage is the real outbox on H2.
 */
class SignerEventsRouteTest extends CamelTestSupport {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:05Z"), ZoneOffset.UTC);

    Database database;
    Processor storage;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final AtomicInteger failuresToInject = new AtomicInteger();
    final List<String> commits = new ArrayList<>();
    /** Database faults injected below the processor: called before each transaction with what it would store. */
    volatile StoreFault storeFault = (metered, deadLetters) -> {};
    /** What the processor handed to the dead-letter publisher. */
    final List<DeadLetterEntry> published = new java.util.concurrent.CopyOnWriteArrayList<>();

    interface StoreFault {
        void check(List<OutboxEntry> metered, List<DeadLetterEntry> deadLetters) throws SQLException;
    }

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        // the route's {{…}} placeholders resolve from the shipped application.properties
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
        var target = TestDatabases.h2();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
        PriceService price = new PriceService(Duration.ofMinutes(15), CLOCK);
        price.update(new PriceQuote(new BigDecimal("3000"), CLOCK.instant(), "static"));
        UsageRecorder recorder = new UsageRecorder(database, null, CLOCK);
        MeteringBatchProcessor real = new MeteringBatchProcessor(
                new SignerEventMetering(
                        new UsageCloudEventMapper("test"),
                        Catalog.defaultCatalog().markup(),
                        new MeteringLimits(
                                new BigInteger("1000000000000000000000"), Duration.ofHours(1), Duration.ofDays(30))),
                price,
                (metered, deadLetters) -> {
                    storeFault.check(metered, deadLetters);
                    return recorder.record(metered, deadLetters);
                },
                new MeteringMetrics(registry),
                published::addAll,
                CLOCK);
        storage = exchange -> {
            if (failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new java.sql.SQLTransientConnectionException("database unavailable (injected)");
            }
            real.process(exchange);
        };
        return new SignerEventsRoute(storage, true);
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    void adviseAndStart() throws Exception {
        AdviceWith.adviceWith(context, SignerEventsRoute.ROUTE_ID, a -> {
            a.replaceFromWith("direct:signer-batch");
            a.weaveById("meter-and-store-batch").after().to("mock:stored");
        });
        context.start();
    }

    /** One Kafka batch as camel-kafka delivers it with {@code batching=true}. */
    List<Exchange> batch(int partition, long firstOffset, String... bodies) {
        List<Exchange> records = new ArrayList<>();
        for (int i = 0; i < bodies.length; i++) {
            Exchange record = new DefaultExchange(context);
            long offset = firstOffset + i;
            record.getMessage().setBody(bodies[i].getBytes(StandardCharsets.UTF_8));
            record.getMessage().setHeader(KafkaConstants.TOPIC, "livepeer-gateway-events");
            record.getMessage().setHeader(KafkaConstants.PARTITION, partition);
            record.getMessage().setHeader(KafkaConstants.OFFSET, offset);
            record.getMessage().setHeader(KafkaConstants.MANUAL_COMMIT, (KafkaManualCommit) () -> {
                synchronized (commits) {
                    commits.add(partition + ":" + offset);
                }
            });
            records.add(record);
        }
        return records;
    }

    static String ticket(String id) {
        return "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"1787220000123\","
                + "\"data\":{\"auth_id\":\"acme:alice\",\"computed_fee\":\"1000000000000000\",\"pipeline\":\"live\","
                + "\"request_id\":\"a1b2c3d4\",\"current_time\":\"2026-08-20T10:00:00Z\"}}";
    }

    @Test
    void a_batch_is_stored_then_the_last_offset_of_each_partition_is_committed() throws Exception {
        adviseAndStart();
        MockEndpoint stored = getMockEndpoint("mock:stored");
        stored.expectedMessageCount(1);

        List<Exchange> records = batch(
                0,
                10,
                ticket(UUID.randomUUID().toString()),
                "not json",
                ticket(UUID.randomUUID().toString()));
        records.addAll(batch(1, 40, ticket(UUID.randomUUID().toString())));
        template.sendBody("direct:signer-batch", records);

        stored.assertIsSatisfied(5, TimeUnit.SECONDS);
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(3);
        assertThat(new DeadLetters(database).count()).isEqualTo(1);
        assertThat(commits).containsExactly("0:12", "1:40");
    }

    @Test
    void the_price_audit_counts_each_event_once_when_a_stored_batch_is_read_again() throws Exception {
        adviseAndStart();
        MockEndpoint stored = getMockEndpoint("mock:stored");
        stored.expectedMessageCount(2);
        // the signer says 2 USD where our conversion says 3 USD (10^15 wei at $3000): flagged; the second is in line
        String flagged =
                ticket(UUID.randomUUID().toString()).replace("\"pipeline\"", "\"computed_fee_usd\":\"2\",\"pipeline\"");
        String inLine =
                ticket(UUID.randomUUID().toString()).replace("\"pipeline\"", "\"computed_fee_usd\":\"3\",\"pipeline\"");

        template.sendBody("direct:signer-batch", batch(0, 3, flagged, inLine));
        // the database committed but the offsets did not (a crash, a rebalance): Kafka delivers the batch again
        template.sendBody("direct:signer-batch", batch(0, 3, flagged, inLine));

        stored.assertIsSatisfied(5, TimeUnit.SECONDS);
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(2);
        assertThat(registry.get("clearinghouse.metering.price.audit.flagged")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("clearinghouse.metering.price.audit.divergence")
                        .summary()
                        .count())
                .isEqualTo(2);
    }

    @Test
    void a_storage_failure_is_retried_with_backoff_and_commits_only_once_stored() throws Exception {
        adviseAndStart();
        failuresToInject.set(2);
        NotifyBuilder done = new NotifyBuilder(context)
                .fromRoute(SignerEventsRoute.ROUTE_ID)
                .whenDone(1)
                .create();

        Exchange result = template.send(
                "direct:signer-batch",
                e -> e.getMessage().setBody(batch(0, 7, ticket(UUID.randomUUID().toString()))));

        assertThat(done.matches(30, TimeUnit.SECONDS)).isTrue();
        assertThat(result.getException()).isNull();
        assertThat(result.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class))
                .isEqualTo(2);
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        assertThat(commits).containsExactly("0:7");
    }

    @Test
    void a_batch_that_cannot_be_stored_fails_the_exchange_and_commits_nothing_so_kafka_redelivers_it()
            throws Exception {
        adviseAndStart();
        failuresToInject.set(Integer.MAX_VALUE);

        Exchange result = template.send(
                "direct:signer-batch",
                e -> e.getMessage().setBody(batch(0, 3, ticket(UUID.randomUUID().toString()))));

        // 1 try + 4 redeliveries, then breakOnFirstError makes the real consumer seek back to the committed offset
        assertThat(result.getException()).hasMessageContaining("injected");
        assertThat(result.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class))
                .isEqualTo(4);
        assertThat(new OutboxQueries(database).pendingCount()).isZero();
        assertThat(commits).isEmpty();
    }

    @Test
    void the_future_skew_check_uses_our_clock_not_the_signers_record_timestamp() throws Exception {
        adviseAndStart();
        MockEndpoint stored = getMockEndpoint("mock:stored");
        stored.expectedMessageCount(1);
        // a signer whose clock runs two hours ahead: its usage time and its Kafka record timestamp agree
        String ahead = "2026-08-20T12:00:05Z";
        List<Exchange> records =
                batch(0, 1, ticket(UUID.randomUUID().toString()).replace("2026-08-20T10:00:00Z", ahead));
        records.get(0)
                .getMessage()
                .setHeader(KafkaConstants.TIMESTAMP, Instant.parse(ahead).toEpochMilli());

        template.sendBody("direct:signer-batch", records);

        stored.assertIsSatisfied(5, TimeUnit.SECONDS);
        assertThat(new DeadLetters(database).count()).isEqualTo(1);
        assertThat(new OutboxQueries(database).pendingCount()).isZero();
    }

    @Test
    void an_event_that_would_overflow_a_column_is_dead_lettered_and_the_valid_one_beside_it_is_stored()
            throws Exception {
        adviseAndStart();
        MockEndpoint stored = getMockEndpoint("mock:stored");
        stored.expectedMessageCount(1);
        String longPipeline = ticket(UUID.randomUUID().toString()).replace("\"live\"", "\"" + "p".repeat(200) + "\"");
        String longSubject = ticket(UUID.randomUUID().toString()).replace("acme:alice", "acme:" + "a".repeat(600));
        String valid = UUID.randomUUID().toString();

        template.sendBody("direct:signer-batch", batch(0, 1, longPipeline, longSubject, ticket(valid)));

        // before: the batch transaction failed on the column, was retried and re-read forever
        stored.assertIsSatisfied(10, TimeUnit.SECONDS);
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        assertThat(new DeadLetters(database).count()).isEqualTo(2);
        assertThat(commits).containsExactly("0:3");
    }

    @Test
    void a_database_that_is_down_is_retried_and_nothing_is_dead_lettered_for_it() throws Exception {
        adviseAndStart();
        // three transactions fail as a lost connection does, then the database is back
        AtomicInteger down = new AtomicInteger(3);
        storeFault = (metered, deadLetters) -> {
            if (down.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SQLException("An I/O error occurred while sending to the backend (injected)", "08006");
            }
        };
        List<Exchange> records = batch(
                0,
                20,
                ticket(UUID.randomUUID().toString()),
                ticket(UUID.randomUUID().toString()),
                ticket(UUID.randomUUID().toString()),
                ticket(UUID.randomUUID().toString()));

        Exchange result =
                template.send("direct:signer-batch", e -> e.getMessage().setBody(records));

        // a connection error taken for a refusal would have split the batch and dead-lettered its records
        assertThat(result.getException()).isNull();
        assertThat(result.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class))
                .isEqualTo(3);
        assertThat(new DeadLetters(database).count()).isZero();
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(4);
        assertThat(commits).containsExactly("0:23");
    }

    @Test
    void a_record_the_database_refuses_is_isolated_and_dead_lettered_with_the_databases_reason() throws Exception {
        adviseAndStart();
        String refused = UUID.randomUUID().toString();
        storeFault = (metered, deadLetters) -> {
            if (metered.stream().anyMatch(m -> m.eventId().equals(refused))) {
                throw new SQLException("value too long for type character varying(255) (injected)", "22001");
            }
        };
        List<String> valid = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            String id = UUID.randomUUID().toString();
            valid.add(id);
            bodies.add(ticket(id));
            if (i == 5) {
                bodies.add(ticket(refused));
            }
        }

        Exchange result = template.send(
                "direct:signer-batch", e -> e.getMessage().setBody(batch(0, 100, bodies.toArray(String[]::new))));

        assertThat(result.getException()).isNull();
        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(9);
        assertThat(new DeadLetters(database).list(null, 10)).singleElement().satisfies(d -> {
            assertThat(d.eventId()).isEqualTo(refused);
            assertThat(d.source().offset()).isEqualTo(106);
            assertThat(d.reason())
                    .isEqualTo("refused by the database: SQLSTATE 22001: value too long for type character"
                            + " varying(255) (injected)");
        });
        assertThat(commits).containsExactly("0:109");
        assertThat(published)
                .singleElement()
                .satisfies(d -> assertThat(d.eventId()).isEqualTo(refused));
    }

    @Test
    void a_dead_letter_the_database_refuses_is_kept_bare_with_both_reasons() throws Exception {
        adviseAndStart();
        storeFault = (metered, deadLetters) -> {
            if (deadLetters.stream().anyMatch(d -> "refuse-my-key".equals(d.key()))) {
                throw new SQLException("value too long for type character varying(1024) (injected)", "22001");
            }
        };
        List<Exchange> records =
                batch(0, 5, "not json", ticket(UUID.randomUUID().toString()));
        records.get(0).getMessage().setHeader(KafkaConstants.KEY, "refuse-my-key");

        template.sendBody("direct:signer-batch", records);

        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        assertThat(new DeadLetters(database).list(null, 10)).singleElement().satisfies(d -> {
            assertThat(d.key()).isNull();
            assertThat(new String(d.raw(), StandardCharsets.UTF_8)).isEqualTo("not json");
            assertThat(d.reason())
                    .startsWith("dead letter refused by the database: SQLSTATE 22001")
                    .contains("; was: not JSON");
        });
        assertThat(commits).containsExactly("0:6");
    }

    @Test
    void a_batch_read_again_announces_its_dead_letters_once() throws Exception {
        adviseAndStart();
        // the same records twice, as Kafka delivers them again after a failed offset commit or a rebalance
        template.sendBody(
                "direct:signer-batch",
                batch(0, 1, "not json", ticket(UUID.randomUUID().toString())));
        template.sendBody("direct:signer-batch", batch(0, 1, "not json", "also not json"));

        // before: the whole batch's dead letters were published again on every read
        assertThat(new DeadLetters(database).count()).isEqualTo(2);
        assertThat(published).extracting(d -> d.source().offset()).containsExactly(1L, 2L);
    }

    @Test
    void usage_older_than_the_backdating_window_is_dead_lettered_by_our_clock() throws Exception {
        adviseAndStart();
        // 31 days before the test clock; the Kafka record timestamp (the signer's clock) says it is recent
        String old = "2026-07-20T10:00:00Z";
        List<Exchange> records = batch(
                0,
                1,
                ticket(UUID.randomUUID().toString()).replace("2026-08-20T10:00:00Z", old),
                ticket(UUID.randomUUID().toString()));
        records.get(0).getMessage().setHeader(KafkaConstants.TIMESTAMP, CLOCK.millis());

        template.sendBody("direct:signer-batch", records);

        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        assertThat(new DeadLetters(database).list(null, 10))
                .singleElement()
                .satisfies(d -> assertThat(d.reason())
                        .startsWith("usage time " + old + " is older than the backdating window of 30 days"));
    }

    @Test
    void number_bombs_in_timestamp_computed_fee_pixels_and_auth_id_are_dead_lettered_beside_a_valid_event()
            throws Exception {
        adviseAndStart();
        String ticket = ticket("bomb").replace("\"id\":\"bomb\",", "");
        List<Exchange> records = batch(
                0,
                1,
                ticket.replace("\"timestamp\":\"1787220000123\"", "\"timestamp\":1e500000000"),
                ticket.replace("\"computed_fee\":\"1000000000000000\"", "\"computed_fee\":\"1e500000000\""),
                ticket.replace("\"pipeline\":\"live\"", "\"pipeline\":\"live\",\"pixels\":1e500000000"),
                ticket.replace("\"auth_id\":\"acme:alice\"", "\"auth_id\":1e500000000"),
                ticket(UUID.randomUUID().toString()));

        template.sendBody("direct:signer-batch", records);

        assertThat(new OutboxQueries(database).pendingCount()).isEqualTo(1);
        assertThat(new DeadLetters(database).list(null, 10))
                .extracting(DeadLetters.DeadLetterView::reason)
                .allSatisfy(r -> assertThat(r).contains("is too large"))
                .anyMatch(r -> r.startsWith("timestamp"))
                .anyMatch(r -> r.startsWith("computed_fee"))
                .anyMatch(r -> r.startsWith("pixels"))
                .anyMatch(r -> r.startsWith("auth_id"))
                .hasSize(4);
        assertThat(commits).containsExactly("0:5");
    }
}
