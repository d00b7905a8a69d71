package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.ledger.DeadLetters.DeadLetterView;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Poison on one partition, on H2 and on PostgreSQL: every record that cannot be stored (an id of 252 characters, NUL
 * characters, each oversized field, a NUL in the Kafka key or in the text of an invalid field, and a record that
 * passes every check of ours but that the database refuses) is dead-lettered with a reason, and the valid events
 * around it are metered within seconds: the partition never stalls.
 */
class MeteringPoisonTest extends PipelineTestSupport {

    /** How long the valid events after the poison may take: seconds, not the minute a stall would need to show. */
    static final Duration WITHIN_SECONDS = Duration.ofSeconds(20);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void each_poison_record_is_dead_lettered_with_its_reason_and_the_valid_events_after_it_are_metered(JdbcTarget db)
            throws Exception {
        Stage stage = stage(db, 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        Clearinghouse ch = app.services();

        // poison record (JSON) -> the reason its dead letter must give
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put(signedTicket("i".repeat(252), "acme:alice", "1000", "live"), "id is longer than 249");
        poison.put(ticketWith("acme:al\\u0000ice", "live"), "NUL character");
        poison.put(ticketWith("acme:alice", "li\\u0000ve"), "NUL character");
        poison.put(ticketWith("acme:" + "s".repeat(600), "live"), "subject (customer key) is longer than 512");
        poison.put(ticketWith("acme:alice", "p".repeat(200)), "pipeline is longer than 128");
        poison.put(
                ticketWith("acme:alice", "live")
                        .replace("\"pipeline\"", "\"model_id\":\"" + "m".repeat(200) + "\",\"pipeline\""),
                "model_id is longer than 128");
        poison.put(
                ticketWith("acme:alice", "live")
                        .replace("\"pipeline\"", "\"orch_address\":\"0x" + "a".repeat(300) + "\",\"pipeline\""),
                "orch_address is longer than 256");
        poison.put(ticketWith("acme:\\ud800x", "live"), "unpaired surrogate");
        // an invalid field whose text carries a NUL: the reason quotes it, and the dead letter must still be stored
        poison.put(
                ticketWith("acme:alice", "live").replace("\"computed_fee\":\"1000\"", "\"computed_fee\":\"1\\u00002\""),
                "computed_fee");
        // an id with a NUL on a record that is refused anyway
        poison.put(
                "{\"id\":\"ab\\u0000cd\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\"}}",
                "computed_fee is missing");

        List<String> before = validIds(5);
        List<String> after = validIds(5);
        for (String id : before) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000", "live"));
        }
        for (String record : poison.keySet()) {
            kafka.send(stage.topic(), "key", record);
        }
        // a NUL in the Kafka key of a record that is not JSON: the dead letter insert itself must not fail
        kafka.send(stage.topic(), "k\u0000ey", "not json");
        for (String id : after) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000", "live"));
        }

        await().atMost(WITHIN_SECONDS)
                .pollInterval(Duration.ofMillis(100))
                .until(() ->
                        ch.metrics().meteredCount() == 10 && ch.deadLetters().count() == poison.size() + 1);

        assertThat(ch.outbox().list(null, null, null, 100))
                .extracting(e -> e.eventId())
                .containsExactlyInAnyOrderElementsOf(
                        Stream.concat(before.stream(), after.stream()).toList());
        List<DeadLetterView> deadLetters = ch.deadLetters().list(null, 100);
        List<String> reasons = deadLetters.stream().map(DeadLetterView::reason).toList();
        poison.values().forEach(reason -> assertThat(reasons).anyMatch(r -> r.contains(reason)));
        assertThat(reasons).allSatisfy(r -> assertThat(r).doesNotContain("\u0000"));
        assertThat(deadLetters)
                .filteredOn(d -> "not json".equals(new String(d.raw(), java.nio.charset.StandardCharsets.UTF_8)))
                .singleElement()
                .satisfies(d -> assertThat(d.key()).isEqualTo("k\uFFFDey"));
        eventually().until(() -> kafka.committedOffsets(stage.group(), stage.topic()) == poison.size() + 11);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_record_that_passes_our_checks_but_the_database_refuses_is_dead_lettered_with_the_databases_reason(
            JdbcTarget db) throws Exception {
        Stage stage = stage(db, 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        Clearinghouse ch = app.services();
        // a rule our validation does not know: the database refuses this customer's rows (a test-only constraint)
        ch.database()
                .withHandle(h -> h.execute("ALTER TABLE outbox_events ADD CONSTRAINT test_refuses_customer"
                        + " CHECK (subject <> 'acme:refused')"));

        List<String> before = validIds(20);
        List<String> after = validIds(20);
        String refused = "0b9c7d4e-2222-4a53-9a53-2f0e3b7d9c11";
        for (String id : before) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000", "live"));
        }
        kafka.send(stage.topic(), refused, signedTicket(refused, "acme:refused", "1000", "live"));
        for (String id : after) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000", "live"));
        }

        // before the backstop: the batch transaction failed on the constraint, was retried and re-read forever
        await().atMost(WITHIN_SECONDS)
                .pollInterval(Duration.ofMillis(100))
                .until(() ->
                        ch.metrics().meteredCount() == 40 && ch.deadLetters().count() == 1);

        DeadLetterView deadLetter = ch.deadLetters().list(null, 10).get(0);
        assertThat(deadLetter.eventId()).isEqualTo(refused);
        assertThat(deadLetter.key()).isEqualTo(refused);
        assertThat(deadLetter.reason())
                .startsWith("refused by the database: SQLSTATE 23")
                .containsIgnoringCase("test_refuses_customer");
        assertThat(ch.metrics().deadLetteredCount("refused_by_database")).isEqualTo(1);
        assertThat(ch.ledger().transfer("usage:" + refused)).isEmpty();
        assertThat(ch.ledger().transfer("usage:" + after.get(19))).isPresent();
        eventually().until(() -> kafka.committedOffsets(stage.group(), stage.topic()) == 41);
    }

    @org.junit.jupiter.api.Test
    void a_postgresql_outage_dead_letters_nothing_and_metering_resumes_after_it() throws Exception {
        JdbcTarget db = TestDatabases.postgres();
        Stage stage = stage(db, 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        Clearinghouse ch = app.services();
        ch.database()
                .withHandle(h -> h.execute("ALTER TABLE outbox_events ADD CONSTRAINT test_refuses_customer"
                        + " CHECK (subject <> 'acme:refused')"));
        String name = db.url().substring(db.url().lastIndexOf('/') + 1, db.url().indexOf('?'));
        String admin = db.url().replace("/" + name + "?", "/postgres?");

        List<String> ids = validIds(10);
        String refused = "0b9c7d4e-3333-4a53-9a53-2f0e3b7d9c11";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(admin, db.user(), db.password());
                java.sql.Statement s = c.createStatement()) {
            // the database goes away: no new connection, every open one cut
            s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            for (String id : ids.subList(0, 5)) {
                kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000", "live"));
            }
            kafka.send(stage.topic(), refused, signedTicket(refused, "acme:refused", "1000", "live"));
            for (String id : ids.subList(5, 10)) {
                kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000", "live"));
            }
            // the consumer reads the batch and fails to store it, as often as it likes, while the database is down
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> inflightBatches(ch) > 0 || ch.metrics().consumedCount() > 0);
            assertThat(ch.metrics().consumedCount())
                    .as("nothing is stored while the database is down")
                    .isZero();
            s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
        }

        await().atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> ch.metrics().meteredCount() == 10);
        assertThat(ch.deadLetters().list(null, 10))
                .as("only the record the database refuses, none for the outage")
                .singleElement()
                .satisfies(d -> assertThat(d.eventId()).isEqualTo(refused));
    }

    /** Batches of the metering route being processed now (Camel's route policy gauge). */
    static double inflightBatches(Clearinghouse ch) {
        return ch.registry().find("camel.exchanges.inflight").tag("routeId", "signer-events").gauges().stream()
                .mapToDouble(io.micrometer.core.instrument.Gauge::value)
                .sum();
    }

    static String ticketWith(String authId, String pipeline) {
        return signedTicket(java.util.UUID.randomUUID().toString(), authId, "1000", pipeline);
    }
}
