package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.Reprocessing;
import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code replay --from-offset | --from-time} against a real broker, on H2 and PostgreSQL: a dry run writes nothing, a
 * real run meters and dead-letters like the route, a second run counts duplicates and writes (so delivers) nothing
 * again, a time range reads only its records, and the application's consumer group is never joined or committed.
 */
class TopicReplayTest {

    static final PriceQuote PRICE = new PriceQuote(new BigDecimal("3000"), Instant.now(), PriceQuote.STATIC_SOURCE);
    static KafkaTestBroker kafka;
    static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void start() {
        kafka = KafkaTestBroker.start();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        kafka.close();
    }

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    /** A valid create_signed_ticket, used a minute ago. */
    static String ticket(String id) {
        return ticket(id, "1421897143000");
    }

    /**
     * A ticket of its own payment session (named after the id): a sequence number reused by another id would be a
     * fork, which completeness tracking quarantines.
     */
    static String ticket(String id, String feeWei) {
        return ticket(id, feeWei, id.replace("-", "").substring(0, 8), 0);
    }

    /** A ticket at {@code sequence} of payment session {@code session}. */
    static String ticket(String id, String feeWei, String session, long sequence) {
        Instant used = Instant.now().minus(Duration.ofMinutes(1));
        return "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"" + used.toEpochMilli()
                + "\",\"gateway\":\"\",\"data\":{\"auth_id\":\"acme:alice\",\"billable_secs\":60,"
                + "\"computed_fee\":\"" + feeWei + "\",\"current_time\":\"" + used + "\",\"orch_address\":"
                + "\"0x1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5\",\"pipeline\":\"live-video-to-video\","
                + "\"request_id\":\"a1b2c3d4\",\"sequence_number\":" + sequence + ",\"session_id\":\"" + session
                + "\",\"session_status\":\"new\"}}";
    }

    static void send(String topic, int partition, Instant timestamp, String value) throws Exception {
        producer.send(new ProducerRecord<>(
                        topic,
                        partition,
                        timestamp == null ? null : timestamp.toEpochMilli(),
                        null,
                        value.getBytes(StandardCharsets.UTF_8)))
                .get(30, TimeUnit.SECONDS);
    }

    static TopicReplay replay(String topic, Database db) throws Exception {
        MeteringSettings settings = MeteringOptions.settings(new Properties());
        Properties consumer = new Properties();
        consumer.put("bootstrap.servers", kafka.bootstrapServers());
        Clock clock = Clock.systemUTC();
        return new TopicReplay(
                consumer,
                topic,
                MeteringOptions.metering(settings, PRICE),
                db,
                MeteringOptions.recorder(settings, db, clock),
                clock);
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void by_offset_dry_then_real_then_again_counts_duplicates_and_writes_nothing_twice(JdbcTarget target)
            throws Exception {
        String topic = "replay-offset-" + target.label();
        kafka.createTopic(topic, 2);
        String e1 = UUID.randomUUID().toString();
        String e2 = UUID.randomUUID().toString();
        String e3 = UUID.randomUUID().toString();
        String second = ticket(e2);
        send(topic, 0, null, ticket(e1));
        send(topic, 0, null, second);
        send(topic, 0, null, "{oops");
        send(topic, 0, null, "{\"type\":\"network_capabilities\",\"data\":[]}");
        // the same record again (a redelivery by the signer: the same bytes; other content would be a fork)
        send(topic, 0, null, second);
        send(topic, 1, null, ticket(e3)); // another partition: not asked for

        try (Database db = open(target)) {
            OutboxQueries outbox = new OutboxQueries(db);
            DeadLetters deadLetters = new DeadLetters(db);

            TopicReplay.Report dry = replay(topic, db).run(new TopicReplay.Start(Map.of(0, 1L), null, null), true);
            assertThat(dry.ranges).containsExactly(new TopicReplay.Range(0, 1, 5));
            assertThat(dry.records).isEqualTo(4);
            assertThat(dry.metered).isEqualTo(1);
            assertThat(dry.duplicates).isEqualTo(1);
            assertThat(dry.deadLettered).isEqualTo(1);
            assertThat(dry.skipped).isEqualTo(1);
            assertThat(dry.lines)
                    .extracting(TopicReplay.Line::outcome)
                    .containsExactly("metered", "dead-lettered", "skipped", "duplicate");
            assertThat(outbox.pendingCount()).isZero();
            assertThat(deadLetters.count()).isZero();

            TopicReplay.Report real = replay(topic, db).run(new TopicReplay.Start(Map.of(0, 0L), null, null), false);
            assertThat(real.records).isEqualTo(5);
            assertThat(real.metered).isEqualTo(2);
            assertThat(real.duplicates).isEqualTo(1);
            assertThat(real.deadLettered).isEqualTo(1);
            assertThat(real.skipped).isEqualTo(1);
            assertThat(outbox.pendingCount()).isEqualTo(2);
            assertThat(deadLetters.count()).isEqualTo(1);
            // the application's delivery sends them; once sent, a replay must not make them pending again
            DeliveryQueue queue = new DeliveryQueue(db, "test-delivery", Duration.ofMinutes(1));
            queue.markDelivered(queue.claim(10, Instant.now()).stream()
                    .map(DeliveryQueue.PendingEvent::seq)
                    .toList());

            TopicReplay.Report again = replay(topic, db).run(new TopicReplay.Start(Map.of(0, 0L), null, null), false);
            assertThat(again.metered).isZero();
            assertThat(again.duplicates).isEqualTo(3);
            assertThat(again.deadLettered).isZero();
            assertThat(again.alreadyDeadLettered).isEqualTo(1);
            assertThat(outbox.pendingCount()).isZero();
            assertThat(outbox.countByStatus().values().stream()
                            .mapToLong(Long::longValue)
                            .sum())
                    .isEqualTo(2);
            assertThat(deadLetters.count()).isEqualTo(1);

            TopicReplay.Report dryAgain = replay(topic, db).run(new TopicReplay.Start(Map.of(0, 0L), null, null), true);
            assertThat(dryAgain.metered).isZero();
            assertThat(dryAgain.duplicates).isEqualTo(3);
            assertThat(dryAgain.alreadyDeadLettered).isEqualTo(1);
        }
        assertNoConsumerGroup();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_replay_tracks_gaps_and_quarantines_forks_as_the_route_does(JdbcTarget target) throws Exception {
        String topic = "replay-completeness-" + target.label();
        kafka.createTopic(topic, 1);
        String session = UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        send(topic, 0, null, ticket(ids.get(0), "1000", session, 0));
        send(topic, 0, null, ticket(ids.get(1), "1000", session, 1));
        send(topic, 0, null, ticket(ids.get(3), "1000", session, 3)); // 2 is late

        try (Database db = open(target)) {
            SequenceGaps gaps = new SequenceGaps(db);
            DeadLetters deadLetters = new DeadLetters(db);
            assertThat(replay(topic, db).run(new TopicReplay.Start(Map.of(0, 0L), null, null), false).metered)
                    .isEqualTo(3);
            assertThat(gaps.list(null, 10)).singleElement().satisfies(g -> {
                assertThat(g.sessionId()).isEqualTo(session);
                assertThat(g.fromSequence()).isEqualTo(2);
                assertThat(g.toSequence()).isEqualTo(2);
            });

            // the late one, the id of 0 with other content, and another id for the billed sequence 1
            send(topic, 0, null, ticket(ids.get(2), "1000", session, 2));
            send(topic, 0, null, ticket(ids.get(0), "9999", session, 0));
            send(topic, 0, null, ticket(ids.get(4), "1000", session, 1));
            TopicReplay.Report dry = replay(topic, db).run(new TopicReplay.Start(Map.of(0, 3L), null, null), true);
            assertThat(dry.lines).extracting(TopicReplay.Line::outcome).containsExactly("metered", "fork", "fork");
            assertThat(dry.forks).isEqualTo(2);
            assertThat(dry.deadLettered).isEqualTo(2);
            assertThat(dry.summary()).contains("2 fork(s)");
            assertThat(deadLetters.count()).isZero();
            assertThat(gaps.list(null, 10)).hasSize(1);

            TopicReplay.Report real = replay(topic, db).run(new TopicReplay.Start(Map.of(0, 3L), null, null), false);
            assertThat(real.metered).isEqualTo(1);
            assertThat(real.deadLettered).isEqualTo(2);
            assertThat(gaps.list(null, 10)).isEmpty();
            assertThat(new Reprocessing(db).billed(List.of(ids.get(4)))).isEmpty();
            assertThat(new OutboxQueries(db).pendingCount()).isEqualTo(4);
            List<DeadLetters.DeadLetterView> forks = deadLetters.list(null, 10);
            assertThat(forks).hasSize(2).allSatisfy(l -> assertThat(l.reason()).startsWith("fork: "));
            // each keeps what was billed first: the CloudEvent of 0 and of 1
            assertThat(forks).anySatisfy(l -> assertThat(l.firstPayload()).contains(ids.get(0)));
            assertThat(forks).anySatisfy(l -> assertThat(l.firstPayload()).contains(ids.get(1)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void by_time_reads_only_the_records_of_the_window_in_every_partition(JdbcTarget target) throws Exception {
        String topic = "replay-time-" + target.label();
        kafka.createTopic(topic, 2);
        Instant now = Instant.now();
        String early = UUID.randomUUID().toString();
        String inside0 = UUID.randomUUID().toString();
        String inside1 = UUID.randomUUID().toString();
        String late = UUID.randomUUID().toString();
        send(topic, 0, now.minus(Duration.ofHours(3)), ticket(early));
        send(topic, 0, now.minus(Duration.ofHours(2)), ticket(inside0));
        send(topic, 1, now.minus(Duration.ofMinutes(110)), ticket(inside1));
        send(topic, 0, now.minus(Duration.ofHours(1)), ticket(late));
        TopicReplay.Start window =
                new TopicReplay.Start(null, now.minus(Duration.ofMinutes(150)), now.minus(Duration.ofMinutes(90)));

        try (Database db = open(target)) {
            TopicReplay.Report dry = replay(topic, db).run(window, true);
            assertThat(dry.ranges).containsExactly(new TopicReplay.Range(0, 1, 2), new TopicReplay.Range(1, 0, 1));
            assertThat(dry.lines).extracting(TopicReplay.Line::eventId).containsExactlyInAnyOrder(inside0, inside1);
            assertThat(new OutboxQueries(db).pendingCount()).isZero();

            TopicReplay.Report real = replay(topic, db).run(window, false);
            assertThat(real.metered).isEqualTo(2);
            assertThat(new Reprocessing(db).billed(java.util.List.of(early, inside0, inside1, late)))
                    .containsExactlyInAnyOrder(inside0, inside1);

            // from a time after the last record: nothing to read
            TopicReplay.Report none = replay(topic, db).run(new TopicReplay.Start(null, now, null), false);
            assertThat(none.records).isZero();
        }
        assertNoConsumerGroup();
    }

    @Test
    void the_command_line_replays_by_offset_and_refuses_mixed_or_malformed_arguments() throws Exception {
        String topic = "replay-cli";
        kafka.createTopic(topic, 1);
        String id = UUID.randomUUID().toString();
        send(topic, 0, null, ticket(id));
        JdbcTarget target = TestDatabases.h2();
        String[] common = {
            "--brokers",
            kafka.bootstrapServers(),
            "--topic",
            topic,
            "--jdbc-url",
            target.url(),
            "--eth-usd-price",
            "3000"
        };

        Run dry = run(concat(new String[] {"replay", "--from-offset", "0:0", "--dry-run"}, common));
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out())
                .contains("Dry run, nothing written: 1 record(s) read: 1 would be metered")
                .contains(topic + "/0 offsets 0 to 1")
                .contains("| " + topic + "/0@0 | metered | " + id + " | ");

        Run real = run(concat(new String[] {"replay", "--from-offset", "0:0"}, common));
        assertThat(real.code()).as(real.err()).isZero();
        assertThat(real.out()).contains("Replayed: 1 record(s) read: 1 metered, 0 duplicate(s)");
        Run again = run(concat(new String[] {"replay", "--from-time", "2020-01-01T00:00:00Z"}, common));
        assertThat(again.out()).contains("0 metered, 1 duplicate(s)");

        Run noPartition = run(concat(new String[] {"replay", "--from-offset", "7:0"}, common));
        assertThat(noPartition.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noPartition.err()).contains("has no partition 7");

        assertThat(run("replay").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("replay", "--from-offset", "zero").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("replay", "--from-offset", "0:0", "--from-time", "2026-01-01T00:00:00Z")
                        .code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(run("replay", "samples/signer-events.jsonl", "--from-offset", "0:0")
                        .code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(run("replay", "samples/signer-events.jsonl", "--dry-run").code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(run("replay", "--from-time", "2026-01-02T00:00:00Z", "--to-time", "2026-01-01T00:00:00Z")
                        .code())
                .isEqualTo(ExitCodes.USAGE);
        assertNoConsumerGroup();
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    /** The replay never joined a consumer group (so it committed nothing for the application's group). */
    static void assertNoConsumerGroup() throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            assertThat(admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS))
                    .isEmpty();
        }
        assertThat(kafka.committedOffsets("clearinghouse-metering", "replay-cli"))
                .isZero();
    }
}
