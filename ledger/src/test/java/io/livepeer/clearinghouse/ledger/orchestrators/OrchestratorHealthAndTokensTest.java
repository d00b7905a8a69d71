package io.livepeer.clearinghouse.ledger.orchestrators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorHealthStore.Transition;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OrchestratorHealthAndTokensTest {

    static final String ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    static final Duration COOLDOWN = Duration.ofHours(1);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static HealthObservation down() {
        return new HealthObservation("health_url", true, 0, 3, BigDecimal.ZERO, false, 5L, null, "{}", "127.0.0.1");
    }

    static HealthObservation up() {
        return new HealthObservation(
                "health_url", true, 3, 3, new BigDecimal("99.5"), true, 5L, null, "{}", "127.0.0.1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void three_misses_start_a_cooldown_and_a_healthy_cycle_clears_it(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-08-20T10:00:00Z"));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
            OrchestratorHealthStore health = new OrchestratorHealthStore(db, clock);
            store.register(Registration.of("orch-1", ADDRESS), "register");

            assertThat(health.recordCycle("orch-1", down(), 3, COOLDOWN)).isEqualTo(Transition.NONE);
            assertThat(health.recordCycle(
                            "orch-1",
                            HealthObservation.unreachable("health_url", 5000L, "timed out", null),
                            3,
                            COOLDOWN))
                    .isEqualTo(Transition.NONE);
            assertThat(store.require("orch-1").consecutiveMisses()).isEqualTo(2);
            assertThat(store.require("orch-1").eligible(clock.instant())).isTrue();
            assertThat(health.recordCycle("orch-1", down(), 3, COOLDOWN)).isEqualTo(Transition.COOLDOWN_STARTED);
            Orchestrator cooled = store.require("orch-1");
            assertThat(cooled.cooldownActive(clock.instant())).isTrue();
            assertThat(cooled.eligible(clock.instant())).isFalse();
            assertThat(cooled.consecutiveMisses()).isZero();
            assertThat(cooled.cooldownExpiresAt()).isEqualTo(clock.instant().plus(COOLDOWN));

            clock.advance(Duration.ofMinutes(1));
            assertThat(health.recordCycle("orch-1", up(), 3, COOLDOWN)).isEqualTo(Transition.COOLDOWN_CLEARED);
            Orchestrator back = store.require("orch-1");
            assertThat(back.eligible(clock.instant())).isTrue();
            assertThat(back.lastHealthyAt()).isEqualTo(clock.instant());
            assertThat(back.lastCooldownClearedAt()).isEqualTo(clock.instant());
            assertThat(back.lastContactSource()).isEqualTo("health_url");
            assertThat(back.lastHealth().up()).isTrue();
            assertThat(health.samples("orch-1", 10)).hasSize(4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_expired_cooldown_ends_by_itself_and_history_is_bounded(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-08-20T10:00:00Z"));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
            OrchestratorHealthStore health = new OrchestratorHealthStore(db, clock);
            store.register(Registration.of("orch-1", ADDRESS), "register");
            health.recordCycle("orch-1", down(), 1, COOLDOWN);
            assertThat(store.require("orch-1").eligible(clock.instant())).isFalse();
            clock.advance(COOLDOWN);
            assertThat(store.require("orch-1").eligible(clock.instant())).isTrue();
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofSeconds(30));
                health.recordCycle(
                        "orch-1",
                        new HealthObservation("health_url", true, 0, 0, null, null, 1L, null, null, null),
                        1,
                        COOLDOWN);
            }
            assertThat(store.require("orch-1").cooldownExpiresAt()).isNull();
            assertThat(health.prune(Duration.ofDays(7), 3)).isEqualTo(3);
            assertThat(health.samples("orch-1", 10)).hasSize(3);
            clock.advance(Duration.ofDays(8));
            assertThat(health.prune(Duration.ofDays(7), 3)).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void tokens_are_hashed_expire_and_can_be_revoked(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-08-20T10:00:00Z"));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
            OrchestratorTokens tokens = new OrchestratorTokens(db, clock);
            store.register(Registration.of("orch-1", ADDRESS), "register");
            var created = tokens.create("orch-1", "ops", Duration.ofHours(1));
            assertThat(created.toString()).doesNotContain(created.token());
            String stored = db.withHandle(h -> h.createQuery("SELECT token_hash FROM orchestrator_tokens")
                    .mapTo(String.class)
                    .one());
            assertThat(stored).startsWith("sha256:").doesNotContain(created.token());
            assertThat(tokens.authenticate(created.token()))
                    .map(OrchestratorTokens.TokenInfo::orchestratorId)
                    .contains("orch-1");
            assertThat(tokens.authenticate(created.token() + "x")).isEmpty();
            clock.advance(Duration.ofHours(1));
            assertThat(tokens.authenticate(created.token())).as("expired").isEmpty();

            var other = tokens.create("orch-1", null, null);
            tokens.revoke(other.info().tokenId());
            assertThat(tokens.authenticate(other.token())).as("revoked").isEmpty();
            assertThat(tokens.list("orch-1")).hasSize(2);
            assertThatThrownBy(() -> tokens.create("nobody", null, null)).isInstanceOf(LedgerException.NotFound.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void stats_split_credits_by_reason_and_count_payouts_per_day(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-08-20T10:00:00Z"));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4))) {
            Ledger ledger = new Ledger(db, clock);
            OrchestratorStore store = new OrchestratorStore(db, ledger, clock);
            store.register(Registration.of("orch-1", ADDRESS), "register");
            store.credit("orch-1", BigInteger.valueOf(1000), "s:1", "session_time", null);
            clock.advance(Duration.ofDays(1));
            store.credit("orch-1", BigInteger.valueOf(200), "w:1", "workload_time", null);
            store.credit("orch-1", BigInteger.valueOf(30), "p:1", "power_time", null);
            ledger.post(new NewTransfer(
                    "payout:1",
                    AccountKeys.orchestrator("orch-1"),
                    AccountKeys.SETTLEMENT_WEI,
                    BigDecimal.valueOf(500),
                    TransferKind.SETTLEMENT,
                    null,
                    null,
                    null));
            var stats = new OrchestratorStats(db, clock).stats("orch-1", 30);
            assertThat(stats.daily()).hasSize(30);
            assertThat(stats.total().credits()).isEqualTo(1230);
            assertThat(stats.total().session()).isEqualTo(1000);
            assertThat(stats.total().workload()).isEqualTo(200);
            assertThat(stats.total().adjustments()).isEqualTo(30);
            assertThat(stats.total().payouts()).isEqualTo(500);
            assertThat(stats.total().netDelta()).isEqualTo(730);
            assertThat(stats.total().byReason()).containsEntry("power_time", BigInteger.valueOf(30));
            var today = stats.daily().get(29);
            assertThat(today.credits()).isEqualTo(230);
            assertThat(today.netDelta()).isEqualTo(-270);
            assertThat(OrchestratorStats.eth(new BigInteger("10000000000000000")))
                    .isEqualTo("0.01");
        }
    }
}
