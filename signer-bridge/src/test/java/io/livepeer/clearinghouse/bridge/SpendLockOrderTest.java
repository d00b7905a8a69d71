package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Hold;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.HoldStatus;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.NewHold;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Plan;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Settlement;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One lock order for every writer of the spend tables: a customer's {@code spend_customers} row, then its holds. A
 * reservation or a lease sync locks the customer and then writes one of its holds (a re-opened hold, the lease row);
 * settling (inside the metering batch) and the hold expiry used to update the holds first and lock the customer
 * after, so the two could deadlock (PostgreSQL then aborts one of them). Each test holds the customer's lock in a
 * transaction of its own, starts settle or expiry, waits (Awaitility, on {@code pg_stat_activity}) until that is
 * blocked, then writes the hold as a reservation would: before the fix this is a deadlock, after it both commit.
 */
class SpendLockOrderTest {

    static final String CUSTOMER = "acme:lock-order";

    final ExecutorService pool = Executors.newSingleThreadExecutor();
    Database db;

    @AfterEach
    void close() {
        pool.shutdownNow();
        if (db != null) {
            db.close();
        }
    }

    @Test
    void expiry_locks_the_customer_before_its_holds_so_it_cannot_deadlock_with_a_reservation_or_a_lease_sync()
            throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        SpendStore store = store(pg, clock);
        Hold hold = openHold(store, clock);
        clock.advance(Duration.ofSeconds(30)); // past its expiry

        assertThat(againstCustomerLock(pg, hold, store::expire)).isEqualTo(1);
        assertThat(store.holds(CUSTOMER, HoldStatus.EXPIRED, 10)).hasSize(1);
        assertThat(store.heldDrift()).isEmpty();
    }

    @Test
    void settling_locks_the_customer_before_its_holds_so_it_cannot_deadlock_with_a_reservation_or_a_lease_sync()
            throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        SpendStore store = store(pg, clock);
        Hold hold = openHold(store, clock);

        int settled = againstCustomerLock(
                pg, hold, () -> store.settle(List.of(new Settlement("ev-1", CUSTOMER, "s", 1L, BigDecimal.TEN))));
        assertThat(settled).isEqualTo(1);
        assertThat(store.holds(CUSTOMER, HoldStatus.SETTLED, 10)).hasSize(1);
        assertThat(store.heldDrift()).isEmpty();
    }

    SpendStore store(JdbcTarget target, MutableClock clock) {
        db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
        return new SpendStore(db, new Ledger(db, clock), clock);
    }

    /** A single-payment hold of 10 USD micros for session {@code s}, sequence 1, expiring in 10 s. */
    static Hold openHold(SpendStore store, MutableClock clock) throws SQLException {
        store.reserve(
                CUSTOMER,
                "s",
                1L,
                BigDecimal.ZERO,
                p -> new Plan<>(
                        "allowed",
                        new NewHold("fixed", BigDecimal.TEN, 0, clock.instant().plusSeconds(10))));
        List<Hold> open = store.holds(CUSTOMER, HoldStatus.OPEN, 10);
        assertThat(open).hasSize(1);
        return open.get(0);
    }

    /**
     * Runs {@code writer} while another transaction holds the customer's lock, and once the writer waits for it,
     * writes the hold from that transaction (what a reservation re-opening it, or a lease sync, does under the
     * customer's lock) and commits.
     *
     * @return the writer's result; both must commit (a deadlock aborts one of them)
     */
    <T> T againstCustomerLock(JdbcTarget pg, Hold hold, Callable<T> writer) throws Exception {
        try (Connection reservation = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
                Connection observer = DriverManager.getConnection(pg.url(), pg.user(), pg.password())) {
            reservation.setAutoCommit(false);
            try (PreparedStatement lock = reservation.prepareStatement(
                    "SELECT customer_key FROM spend_customers WHERE customer_key = ? FOR NO KEY UPDATE")) {
                lock.setString(1, CUSTOMER);
                try (ResultSet rs = lock.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                }
            }
            Future<T> result = pool.submit(writer);
            await().atMost(Duration.ofSeconds(10))
                    .alias("the writer waits for the customer's lock")
                    .until(() -> waitingForLocks(observer) >= 1);
            try (PreparedStatement write =
                    reservation.prepareStatement("UPDATE spend_holds SET expires_at = expires_at WHERE id = ?")) {
                write.setLong(1, hold.id());
                assertThat(write.executeUpdate()).isEqualTo(1);
            }
            reservation.commit();
            return result.get(10, TimeUnit.SECONDS);
        }
    }

    static int waitingForLocks(Connection observer) throws SQLException {
        try (PreparedStatement q = observer.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE"
                        + " wait_event_type = 'Lock' AND datname = current_database()");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
