package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Retention removes the payloads of events delivered long ago and old dead letters, and nothing else: pending and
 * rejected events keep their payloads, outbox rows and ledger transfers stay, the usage read model still answers.
 */
class RetentionTest {

    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final Retention.Policy POLICY = new Retention.Policy(Duration.ofDays(90), Duration.ofDays(30), 2);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void old_delivered_payloads_and_old_dead_letters_go_everything_else_stays(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(NOW.minus(Duration.ofDays(100)));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            Ledger ledger = new Ledger(db, clock);
            UsageRecorder recorder = new UsageRecorder(db, ledger, clock);
            Instant old = NOW.minus(Duration.ofDays(100));
            // 100 days ago: three delivered, one still pending, one rejected; an old dead letter
            recorder.record(
                    List.of(
                            event("old-1", old),
                            event("old-2", old),
                            event("old-3", old),
                            event("old-pending", old),
                            event("old-rejected", old)),
                    List.of(deadLetter(1)));
            clock.advance(Duration.ofDays(99));
            // yesterday: one delivered event, one dead letter
            recorder.record(List.of(event("recent", NOW.minus(Duration.ofDays(1)))), List.of(deadLetter(2)));
            clock.advance(Duration.ofDays(1));
            // delivery state as the delivery flow leaves it (plain SQL, independent of the delivery API)
            db.withHandle(h -> {
                h.execute("DELETE FROM outbox_pending WHERE seq IN (SELECT seq FROM outbox_events"
                        + " WHERE event_id IN ('old-1', 'old-2', 'old-3', 'old-rejected', 'recent'))");
                h.execute("INSERT INTO outbox_rejected (seq, detail, attempts, rejected_at) SELECT seq, 'bad', 1,"
                        + " created_at FROM outbox_events WHERE event_id = 'old-rejected'");
                return null;
            });
            long transfers = count(db, "SELECT COUNT(*) FROM ledger_transfers");
            Retention retention = new Retention(db, clock);

            Retention.Report dryRun = retention.report(POLICY);
            assertThat(dryRun.outboxPayloads()).isEqualTo(3);
            assertThat(dryRun.outboxPayloadChars())
                    .isEqualTo(3 * payload("old-1").length());
            assertThat(dryRun.deadLetters()).isEqualTo(1);
            assertThat(dryRun.outboxPayloadCutoff()).isEqualTo(NOW.minus(Duration.ofDays(90)));
            assertThat(dryRun.summary(true))
                    .isEqualTo("would remove 3 delivered outbox payload(s) of usage before 2026-08-30T12:00:00Z"
                            + " (84 characters) and 1 dead letter(s) created before 2026-10-29T12:00:00Z");
            assertThat(payloads(db).values()).doesNotContainNull();

            Retention.Report pruned = retention.prune(POLICY);
            assertThat(pruned.outboxPayloads()).isEqualTo(3);
            assertThat(pruned.deadLetters()).isEqualTo(1);
            Map<String, String> payloads = payloads(db);
            assertThat(payloads).hasSize(6);
            assertThat(payloads.get("old-1")).isNull();
            assertThat(payloads.get("old-2")).isNull();
            assertThat(payloads.get("old-3")).isNull();
            assertThat(payloads.get("old-pending")).isEqualTo(payload("old-pending"));
            assertThat(payloads.get("old-rejected")).isEqualTo(payload("old-rejected"));
            assertThat(payloads.get("recent")).isEqualTo(payload("recent"));
            assertThat(new DeadLetters(db).list(null, 10))
                    .extracting(d -> d.source().offset())
                    .containsExactly(2L);
            assertThat(count(db, "SELECT COUNT(*) FROM ledger_transfers")).isEqualTo(transfers);

            // the usage read model and the books are unchanged
            OutboxQueries outbox = new OutboxQueries(db);
            List<OutboxQueries.UsageSummaryRow> usage = outbox.summary(NOW.minus(Duration.ofDays(365)), NOW, "acme");
            assertThat(usage).hasSize(1);
            assertThat(usage.get(0).events()).isEqualTo(6);
            assertThat(usage.get(0).billableMicros()).isEqualByComparingTo("6");
            assertThat(usage.get(0).delivered()).isEqualTo(4);
            OutboxQueries.OutboxEventView view = outbox.list("acme", OutboxQueries.Status.DELIVERED, null, 10).stream()
                    .filter(e -> e.eventId().equals("old-1"))
                    .findFirst()
                    .orElseThrow();
            assertThat(view.cloudEvent()).isNull();
            assertThat(view.billableMicros()).isEqualByComparingTo("1");
            Reconciliation.Report books = new Reconciliation(db, clock).run();
            assertThat(books.ok()).as(books.markdown()).isTrue();

            // a second pass (another instance, the next tick) finds nothing
            assertThat(retention.prune(POLICY))
                    .isEqualTo(new Retention.Report(pruned.outboxPayloadCutoff(), 0, 0, pruned.deadLetterCutoff(), 0));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void without_ages_nothing_is_removed(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(NOW.minus(Duration.ofDays(1000)));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            new UsageRecorder(db, null, clock)
                    .record(List.of(event("ancient", clock.instant())), List.of(deadLetter(1)));
            db.withHandle(h -> h.execute("DELETE FROM outbox_pending"));
            clock.advance(Duration.ofDays(1000));
            Retention.Policy keepAll = new Retention.Policy(null, null, 10);
            Retention.Report report = new Retention(db, clock).prune(keepAll);
            assertThat(report).isEqualTo(new Retention.Report(null, 0, 0, null, 0));
            assertThat(report.summary(false))
                    .isEqualTo("removed no outbox payloads (kept forever) and no dead letters (kept forever)");
            assertThat(payloads(db).get("ancient")).isNotNull();
            assertThat(new DeadLetters(db).count()).isEqualTo(1);
        }
    }

    static OutboxEntry event(String id, Instant time) {
        return new OutboxEntry(
                id,
                "acme",
                "live",
                "unknown",
                time,
                BigInteger.TEN,
                BigDecimal.ONE,
                BigDecimal.ONE,
                new BigDecimal("3000"),
                payload(id),
                "0xorch",
                new KafkaCoordinates("signer", 0, id.hashCode() & 0xffff));
    }

    static String payload(String id) {
        return "{\"id\":\"" + id + "\",\"subject\":\"x\"}";
    }

    static DeadLetterEntry deadLetter(long offset) {
        return new DeadLetterEntry(
                new KafkaCoordinates("signer", 1, offset),
                null,
                null,
                "not JSON",
                "{oops".getBytes(StandardCharsets.UTF_8));
    }

    /** event id → stored CloudEvent JSON (null once pruned). */
    static Map<String, String> payloads(Database db) throws SQLException {
        Map<String, String> payloads = new HashMap<>();
        db.withHandle(h -> h.createQuery("SELECT event_id, cloud_event FROM outbox_events")
                        .map((rs, ctx) -> new String[] {rs.getString("event_id"), rs.getString("cloud_event")})
                        .list())
                .forEach(r -> payloads.put(r[0], r[1]));
        return payloads;
    }

    static long count(Database db, String sql) throws SQLException {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
