package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On PostgreSQL, two metering transactions that bill the same customers do not wait for each other's customer rows
 * (the partition shares of one Kafka batch, or two instances, meet on every customer because the signer keys records
 * by a random id): the one that cannot lock a customer row appends the debit as a balance delta, balances read exact
 * meanwhile, and the next transaction that locks the row folds the delta in.
 */
class CustomerUsageContentionTest {

    @Test
    void a_usage_batch_commits_while_another_batch_of_the_same_customer_holds_its_transaction_open() throws Exception {
        JdbcTarget target = TestDatabases.postgres();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            Ledger ledger = new Ledger(db, Clock.systemUTC());
            UsageRecorder recorder = new UsageRecorder(db, ledger, Clock.systemUTC());
            recorder.record(
                    List.of(
                            LedgerConcurrencyTest.usage("warm-a", "alice", "1"),
                            LedgerConcurrencyTest.usage("warm-b", "bob", "1")),
                    List.of());
            ExecutorService threads = Executors.newFixedThreadPool(2);
            CountDownLatch firstWritten = new CountDownLatch(1);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            try {
                CompletableFuture<Void> first = CompletableFuture.runAsync(
                        () -> {
                            try {
                                db.inTransaction(h -> {
                                    recorder.record(
                                            List.of(
                                                    LedgerConcurrencyTest.usage("a-1", "alice", "2.5"),
                                                    LedgerConcurrencyTest.usage("b-1", "bob", "0.000000000001")),
                                            List.of());
                                    firstWritten.countDown();
                                    try {
                                        releaseFirst.await();
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
                assertThat(firstWritten.await(30, TimeUnit.SECONDS)).isTrue();

                CompletableFuture<UsageRecorder.Result> second = CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return recorder.record(
                                        List.of(
                                                LedgerConcurrencyTest.usage("a-2", "alice", "4"),
                                                LedgerConcurrencyTest.usage("b-2", "bob", "3")),
                                        List.of());
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        threads);
                // the second batch commits while the first still holds alice's and bob's rows
                assertThat(second.get(20, TimeUnit.SECONDS).usageTransfers()).isEqualTo(2);
                assertThat(first).isNotDone();
                assertThat(customerDeltas(db))
                        .as("alice's and bob's debits went to deltas, as the first batch holds their rows")
                        .isEqualTo(2);
                // read exact meanwhile: row (committed) plus deltas; the open batch's usage is not committed yet
                assertThat(ledger.account("customer:alice").orElseThrow().balance())
                        .isEqualByComparingTo("-5");
                assertThat(ledger.account("customer:bob").orElseThrow().balance())
                        .isEqualByComparingTo("-4");

                releaseFirst.countDown();
                first.get(30, TimeUnit.SECONDS);
            } finally {
                releaseFirst.countDown();
                threads.shutdown();
            }
            assertThat(ledger.account("customer:alice").orElseThrow().debitsPosted())
                    .isEqualByComparingTo("7.5");
            assertThat(ledger.account("customer:bob").orElseThrow().debitsPosted())
                    .isEqualByComparingTo("4.000000000001");
            assertThat(ledger.account(AccountKeys.USAGE_REVENUE).orElseThrow().creditsPosted())
                    .isEqualByComparingTo("11.500000000001");

            // the next batch that locks the rows folds the deltas in
            recorder.record(
                    List.of(
                            LedgerConcurrencyTest.usage("a-3", "alice", "1"),
                            LedgerConcurrencyTest.usage("b-3", "bob", "1")),
                    List.of());
            assertThat(customerDeltas(db)).isZero();
            assertThat(ledger.account("customer:alice").orElseThrow().balance()).isEqualByComparingTo("-8.5");
            assertThat(ledger.account("customer:bob").orElseThrow().balance()).isEqualByComparingTo("-5.000000000001");
            // the ledger API's transfers are the outbox rows, one per event, as before
            assertThat(ledger.transfers("customer:alice", null, null, null, null, 100).stream()
                            .map(Transfer::id)
                            .sorted()
                            .toList())
                    .containsExactly("usage:a-1", "usage:a-2", "usage:a-3", "usage:warm-a");
            Reconciliation.Report report = new Reconciliation(db, Clock.systemUTC()).run();
            assertThat(report.ok()).as(report.markdown()).isTrue();
        }
    }

    private static long customerDeltas(Database db) throws java.sql.SQLException {
        return db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_balance_deltas x JOIN ledger_accounts a"
                        + " ON a.id = x.account_id WHERE a.kind = 'CUSTOMER'")
                .mapTo(Long.class)
                .one());
    }
}
