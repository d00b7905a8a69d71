package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.credit.Unit;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ReconciliationTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static OutboxEntry entry(String id, String subject, String billable) {
        return new OutboxEntry(
                id,
                subject,
                "live",
                "unknown",
                CLOCK.instant(),
                BigInteger.ONE,
                new BigDecimal(billable),
                new BigDecimal(billable),
                BigDecimal.TEN,
                "{}",
                null,
                null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void clean_books_pass_and_say_so(JdbcTarget target) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Ledger ledger = new Ledger(db, CLOCK);
            ledger.post(new NewTransfer(
                    "g", AccountKeys.GRANTS, "customer:a", BigDecimal.TEN, TransferKind.GRANT, null, null, null));
            new UsageRecorder(db, ledger, CLOCK)
                    .record(List.of(entry("e1", "a", "2"), entry("e2", "b", "0")), List.of());
            Reconciliation.Report report = new Reconciliation(db, CLOCK).run();
            assertThat(report.ok()).isTrue();
            assertThat(report.totals().get(Unit.USD_MICROS).debits()).isEqualByComparingTo("12");
            assertThat(report.markdown())
                    .contains("**the books balance**")
                    .contains("| metered events with exactly one usage transfer | 2 events, 2 usage transfers, 0 events"
                            + " without one |");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_tampered_balance_and_usage_without_its_transfer_are_reported(JdbcTarget target) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Ledger ledger = new Ledger(db, CLOCK);
            new UsageRecorder(db, ledger, CLOCK).record(List.of(entry("e1", "a", "2")), List.of());
            new UsageRecorder(db, null, CLOCK).record(List.of(entry("e2", "a", "3")), List.of()); // fan-out off
            db.withHandle(h -> h.execute("UPDATE ledger_accounts SET debits_posted = debits_posted + 1"
                    + " WHERE account_key = 'customer:a'"));
            Reconciliation.Report report = new Reconciliation(db, CLOCK).run();
            assertThat(report.ok()).isFalse();
            assertThat(report.balanceMismatches()).singleElement().satisfies(m -> {
                assertThat(m.account()).isEqualTo("customer:a");
                assertThat(m.debitsPosted()).isEqualByComparingTo("3");
                assertThat(m.debitsFromTransfers()).isEqualByComparingTo("2");
            });
            assertThat(report.totals().get(Unit.USD_MICROS).balanced()).isFalse();
            assertThat(report.eventsWithoutUsage()).isEqualTo(1);
            assertThat(report.eventsWithoutUsageSample()).containsExactly("e2");
            assertThat(report.markdown())
                    .contains("MISMATCHES FOUND")
                    .contains("| customer:a | USD_MICROS | 3 | 2 |")
                    .contains("- `e2`");
        }
    }
}
