package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.CustomerUsage;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CustomerUsageTest {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void usage_and_grants_add_up_per_utc_day_with_empty_days_included(JdbcTarget target) throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-08-21T23:59:00Z"), ZoneOffset.UTC);
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Ledger ledger = new Ledger(db, clock);
            new UsageRecorder(db, ledger, clock)
                    .record(
                            List.of(
                                    entry("e1", "acme:alice", "2026-08-19T23:59:59Z", "1.5"),
                                    entry("e2", "acme:alice", "2026-08-20T00:00:00Z", "2"),
                                    entry("e3", "acme:alice", "2026-08-20T12:00:00Z", "0.000000001"),
                                    entry("e4", "someone-else", "2026-08-20T12:00:00Z", "99")),
                            List.of());
            ledger.post(new NewTransfer(
                    "g",
                    AccountKeys.GRANTS,
                    "customer:acme:alice",
                    new BigDecimal("5000000"),
                    TransferKind.GRANT,
                    null,
                    null,
                    null));

            List<CustomerUsage.Day> days = new CustomerUsage(db)
                    .days("acme:alice", LocalDate.parse("2026-08-19"), LocalDate.parse("2026-08-22"));
            assertThat(days)
                    .extracting(CustomerUsage.Day::day)
                    .containsExactly(
                            LocalDate.parse("2026-08-19"),
                            LocalDate.parse("2026-08-20"),
                            LocalDate.parse("2026-08-21"),
                            LocalDate.parse("2026-08-22"));
            assertThat(days.get(0).events()).isEqualTo(1);
            assertThat(days.get(1).events()).isEqualTo(2);
            assertThat(days.get(1).billableMicros().toPlainString()).isEqualTo("2.000000001");
            assertThat(days.get(2).grantedMicros()).isEqualByComparingTo("5000000");
            assertThat(days.get(3).events()).isZero();
        }
    }

    static OutboxEntry entry(String id, String subject, String time, String micros) {
        return new OutboxEntry(
                id,
                subject,
                "live",
                "unknown",
                Instant.parse(time),
                BigInteger.ONE,
                new BigDecimal(micros),
                new BigDecimal(micros),
                BigDecimal.TEN,
                "{}",
                null,
                null);
    }
}
