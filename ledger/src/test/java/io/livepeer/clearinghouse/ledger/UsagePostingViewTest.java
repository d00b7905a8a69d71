package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The outbox row is the usage posting (issue 10, V9): the metering batch writes no transfer row, yet the usage
 * transfer reads, lists, reverses and reconciles as before, on H2 and PostgreSQL.
 */
class UsagePostingViewTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static OutboxEntry entry(String id, String subject, String network, String billable) {
        return new OutboxEntry(
                id,
                subject,
                "live-video-to-video",
                "unknown",
                CLOCK.instant(),
                new BigInteger("1000000000000000"),
                new BigDecimal(network),
                new BigDecimal(billable),
                new BigDecimal("3000"),
                "{\"id\":\"" + id + "\"}",
                "0xorch",
                new KafkaCoordinates("signer", 0, 1));
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
    }

    static long count(Database db, String sql) throws Exception {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void usage_held_by_outbox_rows_reads_lists_reverses_and_reconciles_like_a_transfer(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            ledger.post(new NewTransfer(
                    "g1", AccountKeys.GRANTS, "customer:a", BigDecimal.TEN, TransferKind.GRANT, null, null, null));
            UsageRecorder recorder = new UsageRecorder(db, ledger, CLOCK);
            List<OutboxEntry> batch = List.of(
                    entry("e1", "a", "2", "2.3"),
                    entry("e2", "a", "0.000000003", "0.00000000345"),
                    entry("e3", "b", "1", "1.5"),
                    entry("e1", "a", "2", "2.3"));
            UsageRecorder.Result first = recorder.record(batch, List.of());
            UsageRecorder.Result again = recorder.record(batch, List.of()); // Kafka redelivery
            assertThat(first.inserted()).isEqualTo(3);
            assertThat(first.usageTransfers()).isEqualTo(3);
            assertThat(again.inserted()).isZero();
            assertThat(again.usageTransfers()).isZero();
            ledger.post(new NewTransfer(
                    "g2", AccountKeys.GRANTS, "customer:a", BigDecimal.ONE, TransferKind.GRANT, null, null, null));

            // no second row: the usage transfers are the outbox rows
            assertThat(count(db, "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'USAGE'"))
                    .isZero();
            assertThat(ledger.account("customer:a").orElseThrow().balance()).isEqualByComparingTo("8.69999999655");
            assertThat(ledger.account("customer:b").orElseThrow().balance()).isEqualByComparingTo("-1.5");
            assertThat(ledger.account(AccountKeys.USAGE_REVENUE).orElseThrow().balance())
                    .isEqualByComparingTo("3.80000000345");

            Transfer e1 = ledger.transfer("usage:e1").orElseThrow();
            assertThat(e1.debitAccount()).isEqualTo("customer:a");
            assertThat(e1.creditAccount()).isEqualTo(AccountKeys.USAGE_REVENUE);
            assertThat(e1.kind()).isEqualTo(TransferKind.USAGE);
            assertThat(e1.sourceEventId()).isEqualTo("e1");
            assertThat(e1.amount().toPlainString()).isEqualTo("2.3");
            assertThat(e1.createdAt()).isEqualTo(CLOCK.instant());
            // the metadata the batch wrote on usage transfer rows before V9, key for key
            assertThat(e1.metadata())
                    .isEqualTo("{\"fee_wei\":\"1000000000000000\",\"network_usd_micros\":\"2\",\"orch_address\":"
                            + "\"0xorch\",\"pipeline\":\"live-video-to-video\",\"model_id\":\"unknown\"}");
            assertThat(ledger.transfer("usage:e2").orElseThrow().metadata()).contains("\"0.000000003\"");
            assertThat(ledger.transfer("usage:nope")).isEmpty();

            // one order across transfer rows and outbox postings, newest first, with the cursor
            List<Transfer> history = ledger.transfers("customer:a", null, null, null, null, 10);
            assertThat(history).extracting(Transfer::id).containsExactly("g2", "usage:e2", "usage:e1", "g1");
            assertThat(ledger.transfers(
                            "customer:a", null, null, null, history.get(1).seq(), 10))
                    .extracting(Transfer::id)
                    .containsExactly("usage:e1", "g1");
            assertThat(ledger.transfers(null, TransferKind.USAGE, null, null, null, 2))
                    .extracting(Transfer::id)
                    .containsExactly("usage:e3", "usage:e2");
            assertThat(ledger.transfers(null, TransferKind.GRANT, null, null, null, 10))
                    .extracting(Transfer::id)
                    .containsExactly("g2", "g1");
            assertThat(ledger.transfers(AccountKeys.USAGE_REVENUE, null, null, null, null, 10))
                    .extracting(Transfer::id)
                    .containsExactly("usage:e3", "usage:e2", "usage:e1");

            // a reversal of a usage posting is an ordinary transfer row and reconciles exactly
            Ledger.Posted reversal = ledger.reverse("usage:e1", "refund");
            assertThat(reversal.created()).isTrue();
            assertThat(reversal.transfer().debitAccount()).isEqualTo(AccountKeys.USAGE_REVENUE);
            assertThat(reversal.transfer().creditAccount()).isEqualTo("customer:a");
            assertThat(reversal.transfer().reversesId()).isEqualTo("usage:e1");
            assertThat(ledger.reverse("usage:e1", "refund").created()).isFalse();
            assertThat(ledger.account("customer:a").orElseThrow().balance()).isEqualByComparingTo("10.99999999655");
            assertThat(ledger.transfers("customer:a", null, null, null, null, 1))
                    .extracting(Transfer::id)
                    .containsExactly("reversal:usage:e1");

            Reconciliation.Report report = new Reconciliation(db, CLOCK).run();
            assertThat(report.ok()).as(report.markdown()).isTrue();
            assertThat(report.outboxEvents()).isEqualTo(3);
            assertThat(report.usageTransfers()).isEqualTo(3);
            assertThat(report.balanceMismatches()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_posting_on_the_wrong_account_or_posted_twice_is_reported(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            UsageRecorder recorder = new UsageRecorder(db, ledger, CLOCK);
            recorder.record(List.of(entry("e1", "a", "2", "2"), entry("e2", "b", "1", "1")), List.of());
            // e2 also as a (pre-V9 style) usage transfer row: its usage is now counted twice
            ledger.postUsage(
                    List.of(new io.livepeer.clearinghouse.ledger.credit.UsagePosting("e2", "b", BigDecimal.ONE, null)),
                    CLOCK.instant());
            // e1's posting moved to another customer's account behind the ledger's back
            db.withHandle(h -> h.execute("UPDATE outbox_events SET usage_debit_account_id = (SELECT id FROM"
                    + " ledger_accounts WHERE account_key = 'customer:b') WHERE event_id = 'e1'"));
            Reconciliation.Report report = new Reconciliation(db, CLOCK).run();
            assertThat(report.ok()).isFalse();
            assertThat(report.usageNotMatching()).isEqualTo(2);
            assertThat(report.usageNotMatchingSample()).containsExactlyInAnyOrder("e1", "e2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_database_upgraded_to_v9_keeps_its_usage_transfer_rows_and_continues_their_order(JdbcTarget target)
            throws Exception {
        Flyway.configure()
                .dataSource(SqlDialect.of(target.url()).connectionUrl(target.url()), target.user(), target.password())
                .locations("classpath:db/migration")
                .target("8")
                .load()
                .migrate();
        try (var c = java.sql.DriverManager.getConnection(
                        SqlDialect.of(target.url()).connectionUrl(target.url()), target.user(), target.password());
                var s = c.createStatement()) {
            // a pre-V9 event and its usage transfer row, as the batch wrote them then
            s.execute("INSERT INTO ledger_accounts (account_key, kind, unit, created_at) VALUES"
                    + " ('customer:a', 'CUSTOMER', 'USD_MICROS', CURRENT_TIMESTAMP),"
                    + " ('system:usage_revenue', 'SYSTEM', 'USD_MICROS', CURRENT_TIMESTAMP)");
            s.execute("INSERT INTO outbox_events (event_id, subject, pipeline, model_id, event_time, fee_wei,"
                    + " network_usd_micros, billable_usd_micros, eth_usd_price, cloud_event, created_at) VALUES"
                    + " ('old', 'a', 'live', 'unknown', CURRENT_TIMESTAMP, 1, 4, 4, 3000, '{}', CURRENT_TIMESTAMP)");
            s.execute("INSERT INTO ledger_transfers (transfer_id, debit_account_id, credit_account_id, amount, unit,"
                    + " kind, source_event_id, created_at, metadata) VALUES ('usage:old', (SELECT id FROM"
                    + " ledger_accounts WHERE account_key = 'customer:a'), (SELECT id FROM ledger_accounts WHERE"
                    + " account_key = 'system:usage_revenue'), 4, 'USD_MICROS', 'USAGE', 'old', CURRENT_TIMESTAMP,"
                    + " '{\"fee_wei\":\"1\"}')");
            s.execute("UPDATE ledger_accounts SET debits_posted = 4 WHERE account_key = 'customer:a'");
            s.execute("UPDATE ledger_accounts SET credits_posted = 4 WHERE account_key = 'system:usage_revenue'");
        }
        try (Database db = open(target)) { // migrates to V9
            Ledger ledger = new Ledger(db, CLOCK);
            new UsageRecorder(db, ledger, CLOCK).record(List.of(entry("new", "a", "1", "1")), List.of());
            assertThat(ledger.transfers("customer:a", null, null, null, null, 10))
                    .extracting(Transfer::id)
                    .containsExactly("usage:new", "usage:old");
            assertThat(ledger.transfer("usage:old").orElseThrow().metadata()).isEqualTo("{\"fee_wei\":\"1\"}");
            assertThat(ledger.account("customer:a").orElseThrow().balance()).isEqualByComparingTo("-5");
            ledger.reverse("usage:old", null);
            Reconciliation.Report report = new Reconciliation(db, CLOCK).run();
            assertThat(report.ok()).as(report.markdown()).isTrue();
            assertThat(report.usageTransfers()).isEqualTo(2);
            assertThat(ledger.account("customer:a").orElseThrow().balance()).isEqualByComparingTo("-1");
        }
    }
}
