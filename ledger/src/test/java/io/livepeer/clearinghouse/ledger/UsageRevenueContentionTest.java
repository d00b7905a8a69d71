package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Metering batches of different customers do not wait for each other: the shared {@code system:usage_revenue}
 * account is not a row every batch must lock (issue 9, defect 10). One batch holds its transaction open while
 * another, for another customer, commits.
 */
class UsageRevenueContentionTest {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_usage_batch_commits_while_another_customers_batch_holds_its_transaction_open(JdbcTarget target)
            throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            Ledger ledger = new Ledger(db, Clock.systemUTC());
            UsageRecorder recorder = new UsageRecorder(db, ledger, Clock.systemUTC());
            // accounts exist and are committed before the race (their first creation is a one-time insert)
            recorder.record(
                    List.of(
                            LedgerConcurrencyTest.usage("warm-a", "alice", "1"),
                            LedgerConcurrencyTest.usage("warm-b", "bob", "1")),
                    List.of());
            ExecutorService threads = Executors.newFixedThreadPool(2);
            CountDownLatch aliceWritten = new CountDownLatch(1);
            CountDownLatch releaseAlice = new CountDownLatch(1);
            try {
                CompletableFuture<Void> alice = CompletableFuture.runAsync(
                        () -> {
                            try {
                                db.inTransaction(h -> {
                                    recorder.record(
                                            List.of(LedgerConcurrencyTest.usage("a-1", "alice", "2.5")), List.of());
                                    aliceWritten.countDown();
                                    try {
                                        releaseAlice.await();
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    return null;
                                });
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        threads);
                assertThat(aliceWritten.await(30, TimeUnit.SECONDS)).isTrue();

                CompletableFuture<UsageRecorder.Result> bob = CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return recorder.record(
                                        List.of(LedgerConcurrencyTest.usage("b-1", "bob", "4")), List.of());
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        threads);
                // bob's batch commits while alice's transaction is still open (before the fix it waited for her lock)
                assertThat(bob.get(20, TimeUnit.SECONDS).usageTransfers()).isEqualTo(1);
                assertThat(alice).isNotDone();
                assertThat(deltas(db))
                        .as("bob's revenue went to a delta, as alice holds the revenue row")
                        .isOne();
                assertThat(ledger.account(AccountKeys.USAGE_REVENUE)
                                .orElseThrow()
                                .creditsPosted())
                        .isEqualByComparingTo("6");

                releaseAlice.countDown();
                alice.get(30, TimeUnit.SECONDS);
            } finally {
                releaseAlice.countDown();
                threads.shutdown();
            }

            assertThat(ledger.account(AccountKeys.USAGE_REVENUE).orElseThrow().creditsPosted())
                    .isEqualByComparingTo("8.5");
            assertThat(ledger.account("customer:alice").orElseThrow().balance()).isEqualByComparingTo("-3.5");
            assertThat(ledger.account("customer:bob").orElseThrow().balance()).isEqualByComparingTo("-5");
            // a reversal debits the revenue account through the waiting path, which folds what was appended
            ledger.reverse("usage:b-1", "test");
            ledger.post(new NewTransfer(
                    "grant-1",
                    AccountKeys.GRANTS,
                    "customer:bob",
                    BigDecimal.TEN,
                    TransferKind.GRANT,
                    null,
                    null,
                    null));
            assertThat(ledger.account(AccountKeys.USAGE_REVENUE).orElseThrow().balance())
                    .isEqualByComparingTo("4.5");
            assertThat(deltas(db))
                    .as("deltas are folded into the row by the next transaction that holds it")
                    .isZero();
            Reconciliation.Report report = new Reconciliation(db, Clock.systemUTC()).run();
            assertThat(report.ok()).as(report.markdown()).isTrue();
        }
    }

    private static long deltas(Database db) throws java.sql.SQLException {
        return db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_balance_deltas")
                .mapTo(Long.class)
                .one());
    }
}
