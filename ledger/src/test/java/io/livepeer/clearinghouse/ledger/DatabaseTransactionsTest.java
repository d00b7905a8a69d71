package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.UsagePosting;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.ledger.outbox.OutboxWriter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The one transaction rule of {@link Database}: store calls join the transaction open on the calling thread. */
class DatabaseTransactionsTest {

    static final Instant T0 = Instant.parse("2026-08-20T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    static OutboxEntry entry(String id) {
        return new OutboxEntry(
                id,
                "c:u",
                "live",
                "unknown",
                T0,
                BigInteger.ONE,
                BigDecimal.ONE,
                BigDecimal.ONE,
                BigDecimal.TEN,
                "{}",
                null,
                null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void store_calls_inside_a_transaction_roll_back_with_it(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            OutboxWriter writer = new OutboxWriter(db);
            Ledger ledger = new Ledger(db, CLOCK);
            assertThatThrownBy(() -> db.inTransaction(h -> {
                        writer.append(List.of(entry("e1")), T0);
                        ledger.postUsage(List.of(new UsagePosting("e1", "c:u", BigDecimal.ONE, null)), T0);
                        // the joined writes are visible inside the transaction...
                        assertThat(new OutboxQueries(db).pendingCount()).isEqualTo(1);
                        throw new SQLException("the batch fails after the stores wrote");
                    }))
                    .isInstanceOf(SQLException.class)
                    .hasMessage("the batch fails after the stores wrote");

            // ...and gone with it
            assertThat(new OutboxQueries(db).countByStatus().values()).containsOnly(0L);
            assertThat(ledger.transfer("usage:e1")).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void outside_a_transaction_each_store_call_commits_on_its_own(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            OutboxWriter writer = new OutboxWriter(db);
            writer.append(List.of(entry("e1")), T0);
            // another thread (another connection) sees it at once
            long seen = CompletableFuture.supplyAsync(() -> {
                        try {
                            return new OutboxQueries(db).pendingCount();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .get();
            assertThat(seen).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_failing_statement_surfaces_as_the_drivers_sql_exception(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            assertThatThrownBy(() -> db.withHandle(h -> h.execute("SELECT no_such_column FROM outbox_events")))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("no_such_column");
            assertThatThrownBy(() -> db.inTransaction(h -> h.execute("INSERT INTO outbox_pending (seq) VALUES (42)")))
                    .as("a foreign-key violation")
                    .isInstanceOf(SQLException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_recorder_refuses_a_ledger_of_another_database_instance(JdbcTarget target) throws Exception {
        try (Database db = open(target);
                Database other = open(target)) {
            assertThatThrownBy(() -> new UsageRecorder(db, new Ledger(other, CLOCK), CLOCK))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("same Database instance");
        }
    }
}
