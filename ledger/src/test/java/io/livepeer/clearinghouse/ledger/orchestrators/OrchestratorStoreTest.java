package io.livepeer.clearinghouse.ledger.orchestrators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.credit.Unit;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OrchestratorStoreTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);
    static final String ADDRESS_A = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    static final String ADDRESS_B = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget target) {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void registers_finds_lists_and_counts_a_registration_again(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, CLOCK), CLOCK);
            var first = store.register(
                    new Registration(
                            "orch-1",
                            ADDRESS_A,
                            "vtuber",
                            null,
                            null,
                            "orch1.example",
                            "http://orch1.example:9090/health",
                            new BigDecimal("2.5"),
                            List.of("a", "b"),
                            new BigDecimal("80"),
                            null),
                    "register");
            assertThat(first.created()).isTrue();
            var again = store.register(Registration.of("orch-1", ADDRESS_A.toLowerCase()), "register");
            assertThat(again.created()).isFalse();
            Orchestrator o = again.orchestrator();
            assertThat(o.registrationCount()).isEqualTo(2);
            assertThat(o.address()).isEqualTo(ADDRESS_A);
            assertThat(o.hostName()).isEqualTo("orch1.example");
            assertThat(o.monitoredServices()).containsExactly("a", "b");
            assertThat(o.healthTimeout()).isEqualByComparingTo("2.5");
            assertThat(o.eligible(CLOCK.instant())).isTrue();
            assertThat(store.findByAddress(ADDRESS_A.toUpperCase().replace("0X", "0x")))
                    .map(Orchestrator::orchestratorId)
                    .contains("orch-1");
            assertThat(store.list()).extracting(Orchestrator::orchestratorId).containsExactly("orch-1");
            assertThat(store.ledger().account(AccountKeys.orchestrator("orch-1")))
                    .hasValueSatisfying(a -> assertThat(a.unit()).isEqualTo(Unit.WEI));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_address_bound_to_another_id_or_a_changed_address_is_a_conflict(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, CLOCK), CLOCK);
            store.register(Registration.of("orch-1", ADDRESS_A), "register");
            assertThatThrownBy(() -> store.register(Registration.of("orch-2", ADDRESS_A), "register"))
                    .isInstanceOf(LedgerException.Conflict.class)
                    .hasMessageContaining("orch-1");
            assertThatThrownBy(() -> store.register(Registration.of("orch-1", ADDRESS_B), "register"))
                    .isInstanceOf(LedgerException.Conflict.class)
                    .hasMessageContaining("changing it is refused");
            assertThatThrownBy(() -> store.update(
                            "orch-1",
                            new Registration(null, ADDRESS_B, null, null, null, null, null, null, null, null, null)))
                    .isInstanceOf(LedgerException.Conflict.class);
            assertThatThrownBy(() -> store.register(Registration.of("orch-3", "0x123"), "register"))
                    .isInstanceOf(LedgerException.Invalid.class)
                    .extracting(e -> ((LedgerException) e).field())
                    .isEqualTo("address");
            assertThat(store.list()).hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void credits_are_idempotent_wei_transfers_and_the_books_balance(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            OrchestratorStore store = new OrchestratorStore(db, ledger, CLOCK);
            store.register(Registration.of("orch-1", ADDRESS_A), "register");
            BigInteger wei = new BigInteger("10000000000000000"); // 0.01 ETH
            var posted = store.credit("orch-1", wei, "session:s1:0", "session_time", Map.of("session_id", "s1"));
            var again = store.credit("orch-1", wei, "session:s1:0", "session_time", Map.of("session_id", "s1"));
            assertThat(posted.created()).isTrue();
            assertThat(again.created()).isFalse();
            assertThat(posted.transfer().kind()).isEqualTo(TransferKind.EARNING);
            assertThat(posted.transfer().metadata()).contains("\"reason\":\"session_time\"");
            assertThat(store.balanceWei("orch-1")).isEqualTo(wei);
            assertThatThrownBy(() -> store.credit("nobody", wei, "x:1", "session_time", null))
                    .isInstanceOf(LedgerException.NotFound.class);
            assertThatThrownBy(() -> store.credit("orch-1", BigInteger.ZERO, "x:2", "session_time", null))
                    .isInstanceOf(LedgerException.Invalid.class);
            assertThat(new Reconciliation(db, CLOCK).run().ok()).isTrue();
        }
    }
}
