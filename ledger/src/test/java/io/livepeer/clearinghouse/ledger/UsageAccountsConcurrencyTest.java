package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.outbox.OutboxWriter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link Ledger#usageAccounts} creates missing customer accounts in key order, so two transactions creating the same
 * new customers (metering batches of different partitions, or two instances on a fresh database) wait for each other
 * instead of deadlocking. Before, each transaction created its customers one by one in the order it met them: two
 * transactions meeting the same new customers in opposite orders each held half of the rows the other needed (checked:
 * with that code this test fails with SQLSTATE 40P01, deadlock detected).
 */
class UsageAccountsConcurrencyTest {

    @Test
    void two_transactions_creating_the_same_new_customers_in_opposite_orders_both_commit_and_create_each_once()
            throws Exception {
        JdbcTarget target = TestDatabases.postgres();
        // two instances: each Ledger has its own id cache, as two clearinghouse processes would
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            Ledger first = new Ledger(db, Clock.systemUTC());
            Ledger second = new Ledger(db, Clock.systemUTC());
            // the shared usage revenue account exists, as it does once a database has metered anything (created by
            // both transactions, it would make the second wait for the first before any customer)
            first.usageAccounts(List.of("earlier-customer"));
            // 0..299 for one, 150..449 for the other (150 shared), met in opposite orders
            List<String> ascending = IntStream.range(0, 300)
                    .mapToObj(i -> String.format("cust-%03d", i))
                    .toList();
            List<String> descending = new ArrayList<>(IntStream.range(150, 450)
                    .mapToObj(i -> String.format("cust-%03d", i))
                    .toList());
            Collections.reverse(descending);

            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<OutboxWriter.UsageAccounts> a = pool.submit(() -> create(db, first, ascending, start));
                Future<OutboxWriter.UsageAccounts> b = pool.submit(() -> create(db, second, descending, start));
                OutboxWriter.UsageAccounts fromFirst = a.get(60, TimeUnit.SECONDS);
                OutboxWriter.UsageAccounts fromSecond = b.get(60, TimeUnit.SECONDS);

                assertThat(fromFirst.debitAccounts()).hasSize(300);
                assertThat(fromSecond.debitAccounts()).hasSize(300);
                // the shared customers got one account each, and both transactions were given its id
                for (int i = 150; i < 300; i++) {
                    String subject = String.format("cust-%03d", i);
                    assertThat(fromSecond.debitAccounts().get(subject))
                            .as(subject)
                            .isEqualTo(fromFirst.debitAccounts().get(subject));
                }
            } finally {
                pool.shutdownNow();
            }
            int accounts = db.withHandle(h -> h.createQuery(
                            "SELECT COUNT(*) FROM ledger_accounts WHERE account_key" + " LIKE 'customer:cust-%'")
                    .mapTo(Integer.class)
                    .one());
            int distinct = db.withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT account_key) FROM ledger_accounts"
                            + " WHERE account_key LIKE 'customer:cust-%'")
                    .mapTo(Integer.class)
                    .one());
            assertThat(accounts).isEqualTo(450).isEqualTo(distinct);
            assertThat(first.account(AccountKeys.customer("cust-449"))).isPresent();
            assertThat(second.account(AccountKeys.customer("cust-000"))).isPresent();
        }
    }

    /**
     * In one transaction, as a metering batch does; both transactions hold their connection before either starts
     * creating accounts, so the two really run at once.
     */
    private static OutboxWriter.UsageAccounts create(
            Database db, Ledger ledger, List<String> subjects, CyclicBarrier start) throws Exception {
        return db.inTransaction(h -> {
            h.createQuery("SELECT 1").mapTo(Integer.class).one();
            try {
                start.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return ledger.usageAccounts(subjects);
        });
    }
}
