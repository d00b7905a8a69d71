package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Many writers on one hot account: no update may be lost and nothing may deadlock. */
class LedgerConcurrencyTest {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void concurrent_grants_and_usage_on_one_account_lose_no_update(JdbcTarget target) throws Exception {
        int threads = 8;
        int perThread = 60;
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 10))) {
            Ledger ledger = new Ledger(db, Clock.systemUTC());
            UsageRecorder recorder = new UsageRecorder(db, ledger, Clock.systemUTC());
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        if (thread % 2 == 0) {
                            ledger.post(new NewTransfer(
                                    "grant-" + thread + "-" + i,
                                    AccountKeys.GRANTS,
                                    "customer:hot",
                                    new BigDecimal("1.5"),
                                    TransferKind.GRANT,
                                    null,
                                    null,
                                    null));
                        } else {
                            // usage batches also touch other customers and the shared revenue account
                            recorder.record(
                                    List.of(
                                            usage("u-" + thread + "-" + i, "hot", "0.25"),
                                            usage("v-" + thread + "-" + i, "cold-" + (i % 3), "0.000000000001")),
                                    List.of());
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();

            int granters = threads / 2;
            int users = threads - granters;
            BigDecimal expected = new BigDecimal("1.5")
                    .multiply(BigDecimal.valueOf((long) granters * perThread))
                    .subtract(new BigDecimal("0.25").multiply(BigDecimal.valueOf((long) users * perThread)));
            assertThat(ledger.account("customer:hot").orElseThrow().balance()).isEqualByComparingTo(expected);
            assertThat(ledger.account(AccountKeys.USAGE_REVENUE).orElseThrow().creditsPosted())
                    .isEqualByComparingTo(
                            new BigDecimal("0.250000000001").multiply(BigDecimal.valueOf((long) users * perThread)));
            Reconciliation.Report report = new Reconciliation(db, Clock.systemUTC()).run();
            assertThat(report.ok()).as(report.markdown()).isTrue();
            assertThat(report.usageTransfers()).isEqualTo(2L * users * perThread);
        }
    }

    static OutboxEntry usage(String id, String customer, String billable) {
        return new OutboxEntry(
                id,
                customer,
                "live",
                "unknown",
                java.time.Instant.now(),
                BigInteger.ONE,
                new BigDecimal(billable),
                new BigDecimal(billable),
                BigDecimal.TEN,
                "{}",
                null,
                null);
    }
}
