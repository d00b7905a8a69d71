package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.AccountKind;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.credit.Unit;
import io.livepeer.clearinghouse.ledger.credit.UsagePosting;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LedgerTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget t) {
        return Database.open(new DatabaseConfig(t.url(), t.user(), t.password(), 4));
    }

    static NewTransfer grant(String id, String customer, String micros) {
        return new NewTransfer(
                id,
                AccountKeys.GRANTS,
                AccountKeys.customer(customer),
                new BigDecimal(micros),
                TransferKind.GRANT,
                null,
                null,
                null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_grant_credits_the_customer_once_however_often_it_is_posted(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            Ledger.Posted first = ledger.post(grant("grant-1", "acme:alice", "5000000"));
            Ledger.Posted again = ledger.post(grant("grant-1", "acme:alice", "5000000"));
            assertThat(first.created()).isTrue();
            assertThat(again.created()).isFalse();
            assertThat(again.transfer()).isEqualTo(first.transfer());

            Account alice = ledger.account("customer:acme:alice").orElseThrow();
            assertThat(alice.kind()).isEqualTo(AccountKind.CUSTOMER);
            assertThat(alice.unit()).isEqualTo(Unit.USD_MICROS);
            assertThat(alice.balance()).isEqualByComparingTo("5000000");
            assertThat(ledger.account(AccountKeys.GRANTS).orElseThrow().balance())
                    .isEqualByComparingTo("-5000000");

            assertThatThrownBy(() -> ledger.post(grant("grant-1", "acme:alice", "6000000")))
                    .isInstanceOf(LedgerException.Conflict.class)
                    .hasMessageContaining("transfer id grant-1 was already used for GRANT of 5000000");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void bad_transfers_are_refused_with_the_field_at_fault(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            assertThatThrownBy(() -> ledger.post(new NewTransfer(
                            "x1",
                            AccountKeys.GRANTS,
                            "orchestrator:0xabc",
                            BigDecimal.ONE,
                            TransferKind.GRANT,
                            null,
                            null,
                            null)))
                    .isInstanceOf(LedgerException.Invalid.class)
                    .hasMessageContaining("between USD_MICROS and WEI accounts is refused");
            assertThatThrownBy(() -> ledger.post(grant("x2", "c", "-1")))
                    .isInstanceOf(LedgerException.Invalid.class)
                    .hasMessage("amount must not be negative");
            assertThatThrownBy(() -> ledger.post(grant("x3", "c", "0.0000000000001")))
                    .hasMessage("amount has more than 12 digits after the point");
            assertThatThrownBy(() -> ledger.post(new NewTransfer(
                            "x4",
                            AccountKeys.IMPORT_WEI,
                            "orchestrator:o",
                            new BigDecimal("1.5"),
                            TransferKind.IMPORT,
                            null,
                            null,
                            null)))
                    .hasMessage("amount has more than 0 digits after the point (wei are whole numbers)");
            assertThatThrownBy(() -> ledger.post(new NewTransfer(
                            "x5", "system:nope", "customer:c", BigDecimal.ONE, TransferKind.GRANT, null, null, null)))
                    .hasMessageStartingWith("unknown account key 'system:nope'");
            assertThat(ledger.transfers(null, null, null, null, null, 10)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_reversal_swaps_the_sides_names_the_original_and_happens_once(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            ledger.post(grant("g1", "bob", "100"));
            Ledger.Posted reversal = ledger.reverse("g1", "granted by mistake");
            assertThat(reversal.created()).isTrue();
            Transfer r = reversal.transfer();
            assertThat(r.id()).isEqualTo("reversal:g1");
            assertThat(r.kind()).isEqualTo(TransferKind.REVERSAL);
            assertThat(r.reversesId()).isEqualTo("g1");
            assertThat(r.debitAccount()).isEqualTo("customer:bob");
            assertThat(r.creditAccount()).isEqualTo(AccountKeys.GRANTS);
            assertThat(r.metadata()).contains("granted by mistake");
            assertThat(ledger.reverse("g1", "again").created()).isFalse();
            assertThat(ledger.account("customer:bob").orElseThrow().balance()).isEqualByComparingTo("0");
            assertThatThrownBy(() -> ledger.reverse("reversal:g1", "no")).isInstanceOf(LedgerException.Invalid.class);
            assertThatThrownBy(() -> ledger.reverse("nope", "no")).isInstanceOf(LedgerException.NotFound.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_account_flagged_debits_must_not_exceed_credits_refuses_an_overdraft(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            ledger.open("orchestrator:0xabc", true, null);
            ledger.post(new NewTransfer(
                    "earn",
                    AccountKeys.IMPORT_WEI,
                    "orchestrator:0xabc",
                    new BigDecimal("1000"),
                    TransferKind.IMPORT,
                    null,
                    null,
                    null));
            ledger.post(new NewTransfer(
                    "pay-1",
                    "orchestrator:0xabc",
                    AccountKeys.SETTLEMENT_WEI,
                    new BigDecimal("600"),
                    TransferKind.SETTLEMENT,
                    null,
                    null,
                    null));
            assertThatThrownBy(() -> ledger.post(new NewTransfer(
                            "pay-2",
                            "orchestrator:0xabc",
                            AccountKeys.SETTLEMENT_WEI,
                            new BigDecimal("401"),
                            TransferKind.SETTLEMENT,
                            null,
                            null,
                            null)))
                    .isInstanceOf(LedgerException.InsufficientFunds.class)
                    .hasMessageContaining("orchestrator:0xabc refuses debits beyond its credits");
            assertThat(ledger.transfer("pay-2")).isEmpty();
            assertThat(ledger.account("orchestrator:0xabc").orElseThrow().balance())
                    .isEqualByComparingTo("400");
            assertThatThrownBy(() -> ledger.open("customer:x", true, null)).isInstanceOf(LedgerException.Invalid.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void usage_debits_customers_even_into_the_negative_and_posts_once_per_event(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            ledger.post(grant("g", "acme:alice", "1"));
            List<UsagePosting> usage = List.of(
                    new UsagePosting("e1", "acme:alice", new BigDecimal("0.000000003"), "{\"fee_wei\":\"1\"}"),
                    new UsagePosting("e2", "acme:alice", new BigDecimal("3"), null),
                    new UsagePosting("e3", "bob", new BigDecimal("7.5"), null));
            int first = ledger.postUsage(usage, CLOCK.instant());
            int again = ledger.postUsage(usage, CLOCK.instant());
            assertThat(first).isEqualTo(3);
            assertThat(again).isZero();

            assertThat(ledger.account("customer:acme:alice").orElseThrow().balance())
                    .isEqualByComparingTo("-2.000000003");
            assertThat(ledger.account("customer:bob").orElseThrow().balance()).isEqualByComparingTo("-7.5");
            assertThat(ledger.account(AccountKeys.USAGE_REVENUE).orElseThrow().balance())
                    .isEqualByComparingTo("10.500000003");
            Transfer e1 = ledger.transfer("usage:e1").orElseThrow();
            assertThat(e1.sourceEventId()).isEqualTo("e1");
            assertThat(e1.metadata()).isEqualTo("{\"fee_wei\":\"1\"}");
            assertThat(e1.amount().toPlainString()).isEqualTo("0.000000003");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void history_pages_newest_first_per_account_and_kind(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            for (int i = 0; i < 5; i++) {
                ledger.post(grant("g" + i, i % 2 == 0 ? "even" : "odd", "1"));
            }
            ledger.postUsage(List.of(new UsagePosting("u1", "even", BigDecimal.ONE, null)), CLOCK.instant());
            List<Transfer> even = ledger.transfers("customer:even", null, null, null, null, 2);
            assertThat(even).extracting(Transfer::id).containsExactly("usage:u1", "g4");
            assertThat(ledger.transfers(
                            "customer:even", null, null, null, even.get(1).seq(), 10))
                    .extracting(Transfer::id)
                    .containsExactly("g2", "g0");
            assertThat(ledger.transfers(null, TransferKind.USAGE, null, null, null, 10))
                    .extracting(Transfer::id)
                    .containsExactly("usage:u1");
            assertThat(ledger.accounts(AccountKind.CUSTOMER, 0, 10))
                    .extracting(Account::key)
                    .containsExactly("customer:even", "customer:odd");
            assertThatThrownBy(() -> ledger.transfers("customer:nobody", null, null, null, null, 1))
                    .isInstanceOf(LedgerException.NotFound.class);
            assertThat(new Reconciliation(db, CLOCK).run().balanceMismatches()).isEmpty();
        }
    }
}
