package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever happens, in whatever order (grants, usage including the same event several times, adjustments,
 * reversals, and batches that fail half-way through their transaction), the books balance: every account equals
 * the sum of its transfers, debits equal credits per unit, each recorded event has exactly one usage transfer, and
 * every balance equals what a simple model of the operations predicts.
 */
class LedgerPropertiesTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);
    static final String[] CUSTOMERS = {"acme:alice", "acme:bob", "app:owner-1", "c:u"};

    sealed interface Op {}

    record Grant(int customer, BigDecimal amount) implements Op {}

    record Usage(int event, int customer, BigDecimal amount) implements Op {}

    record CrashedBatch(int event, int customer, BigDecimal amount) implements Op {}

    record Adjust(int customer, BigDecimal amount, boolean credit) implements Op {}

    record Reverse(int nth) implements Op {}

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<BigDecimal> micros = Arbitraries.bigDecimals()
                .between(BigDecimal.ZERO, new BigDecimal("10000000"))
                .ofScale(12);
        Arbitrary<Integer> customer = Arbitraries.integers().between(0, CUSTOMERS.length - 1);
        Arbitrary<Integer> event = Arbitraries.integers().between(0, 30); // small: the same event recurs
        Arbitrary<Op> op = Arbitraries.oneOf(
                Combinators.combine(customer, micros.filter(m -> m.signum() > 0))
                        .as(Grant::new),
                Combinators.combine(event, customer, micros).as(Usage::new),
                Combinators.combine(event, customer, micros).as(Usage::new),
                Combinators.combine(event, customer, micros).as(CrashedBatch::new),
                Combinators.combine(customer, micros.filter(m -> m.signum() > 0), Arbitraries.of(true, false))
                        .as(Adjust::new),
                Arbitraries.integers().between(0, 20).map(Reverse::new));
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 60)
    void the_books_always_balance_on_h2(@ForAll("operations") List<Op> ops) throws Exception {
        check(TestDatabases.h2(), ops);
    }

    @Property(tries = 8)
    void the_books_always_balance_on_postgresql(@ForAll("operations") List<Op> ops) throws Exception {
        check(TestDatabases.postgres(), ops);
    }

    private static void check(JdbcTarget target, List<Op> ops) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Ledger ledger = new Ledger(db, CLOCK);
            UsageRecorder recorder = new UsageRecorder(db, ledger, CLOCK);
            Map<String, BigDecimal> model = new HashMap<>(); // customer key → expected balance
            Map<Integer, BigDecimal> recordedEvents = new HashMap<>();
            List<String> posted = new ArrayList<>();
            int n = 0;
            for (Op op : ops) {
                n++;
                if (op instanceof Grant g) {
                    String id = "grant-" + n;
                    ledger.post(new NewTransfer(
                            id,
                            AccountKeys.GRANTS,
                            AccountKeys.customer(CUSTOMERS[g.customer()]),
                            g.amount(),
                            TransferKind.GRANT,
                            null,
                            null,
                            null));
                    model.merge(CUSTOMERS[g.customer()], g.amount(), BigDecimal::add);
                    posted.add(id);
                } else if (op instanceof Usage u) {
                    var result = recorder.record(List.of(entry(u.event(), u.customer(), u.amount())), List.of());
                    if (!recordedEvents.containsKey(u.event())) {
                        assertThat(result.usageTransfers()).isEqualTo(1);
                        recordedEvents.put(u.event(), u.amount());
                        model.merge(CUSTOMERS[u.customer()], u.amount().negate(), BigDecimal::add);
                        posted.add("usage:event-" + u.event());
                    } else {
                        assertThat(result.usageTransfers()).isZero(); // redelivery: nothing posted twice
                    }
                } else if (op instanceof CrashedBatch c) {
                    // the transaction fails after the outbox and ledger writes: nothing of it may remain
                    DeadLetterEntry broken =
                            new DeadLetterEntry(new KafkaCoordinates(null, 0, n), null, null, "crash", new byte[0]);
                    assertThatThrownBy(() -> recorder.record(
                                    List.of(entry(c.event(), c.customer(), c.amount())), List.of(broken)))
                            .isInstanceOf(SQLException.class);
                } else if (op instanceof Adjust a) {
                    String customer = AccountKeys.customer(CUSTOMERS[a.customer()]);
                    ledger.post(new NewTransfer(
                            "adjust-" + n,
                            a.credit() ? AccountKeys.adjustments(Unit.USD_MICROS) : customer,
                            a.credit() ? customer : AccountKeys.adjustments(Unit.USD_MICROS),
                            a.amount(),
                            TransferKind.ADJUSTMENT,
                            null,
                            null,
                            null));
                    model.merge(
                            CUSTOMERS[a.customer()],
                            a.credit() ? a.amount() : a.amount().negate(),
                            BigDecimal::add);
                    posted.add("adjust-" + n);
                } else if (op instanceof Reverse r && !posted.isEmpty()) {
                    String id = posted.get(r.nth() % posted.size());
                    var original = ledger.transfer(id).orElseThrow();
                    if (ledger.reverse(id, "property test").created()) { // asking again changes nothing
                        if (original.creditAccount().startsWith("customer:")) {
                            model.merge(
                                    original.creditAccount().substring(9),
                                    original.amount().negate(),
                                    BigDecimal::add);
                        }
                        if (original.debitAccount().startsWith("customer:")) {
                            model.merge(original.debitAccount().substring(9), original.amount(), BigDecimal::add);
                        }
                    }
                }
            }

            Reconciliation.Report report = new Reconciliation(db, CLOCK).run();
            assertThat(report.ok()).as(report.markdown()).isTrue();
            assertThat(report.outboxEvents()).isEqualTo(recordedEvents.size());
            assertThat(report.usageTransfers()).isEqualTo(recordedEvents.size());
            for (String customer : CUSTOMERS) {
                BigDecimal expected = model.getOrDefault(customer, BigDecimal.ZERO);
                BigDecimal actual = ledger.account(AccountKeys.customer(customer))
                        .map(a -> a.balance())
                        .orElse(BigDecimal.ZERO);
                assertThat(actual).as("balance of %s", customer).isEqualByComparingTo(expected);
            }
        }
    }

    static OutboxEntry entry(int event, int customer, BigDecimal billable) {
        return new OutboxEntry(
                "event-" + event,
                CUSTOMERS[customer],
                "live",
                "unknown",
                CLOCK.instant(),
                BigInteger.ONE,
                billable,
                billable,
                BigDecimal.TEN,
                "{}",
                null,
                null);
    }
}
