package io.livepeer.clearinghouse.ledger.earnings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Session, workload, lease and power-meter stores on H2 and PostgreSQL: exact, idempotent, balanced credits. */
class EarningsStoresTest {

    private static final String ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7";
    private static final Instant T0 = Instant.parse("2026-08-20T10:00:00Z");
    private static final long FORTY_MIN = 2_400_000;
    private static final BigInteger RATE_006 = WeiAccrual.weiPerMinute(new BigDecimal("0.06"));

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    record Fixture(Database db, MutableClock clock, OrchestratorStore registry, Ledger ledger, SessionBilling sessions)
            implements AutoCloseable {

        static Fixture open(JdbcTarget target) throws Exception {
            Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
            MutableClock clock = new MutableClock(T0);
            Ledger ledger = new Ledger(db, clock);
            OrchestratorStore registry = new OrchestratorStore(db, ledger, clock);
            registry.register(Registration.of("orch-1", ADDRESS), "register");
            SessionBilling sessions = new SessionBilling(db, clock, credit(registry), new LeaseBounds(900, 3600));
            return new Fixture(db, clock, registry, ledger, sessions);
        }

        static EarningsCredit credit(OrchestratorStore store) {
            return (id, wei, tid, reason, meta) ->
                    store.credit(id, wei, tid, reason, meta).created();
        }

        SessionBilling.Applied event(String sid, String event) throws Exception {
            return sessions.apply(
                    new SessionEvent(sid, "orch-1", "10.0.0.1", null, "edge-1", null, event).validated(),
                    new SessionBilling.Decision("orch-1", "payload", RATE_006, null),
                    FORTY_MIN);
        }

        BigInteger balance() throws Exception {
            return registry.balanceWei("orch-1");
        }

        @Override
        public void close() {
            db.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_backends_vector_start_heartbeat_end_credits_one_hundredth_eth(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            f.event("s1", "start");
            f.clock().advance(Duration.ofSeconds(10));
            f.event("s1", "heartbeat");
            SessionBilling.Applied end = f.event("s1", "end");
            assertThat(end.session().billedMs()).isEqualTo(10_000);
            assertThat(WeiAccrual.eth(end.session().billedWei())).isEqualTo("0.01");
            assertThat(WeiAccrual.eth(f.balance())).isEqualTo("0.01");
            assertThat(end.segments()).singleElement().satisfies(s -> {
                assertThat(s.trigger()).isEqualTo("end");
                assertThat(s.transferId()).isEqualTo("session_time:s1:1:0");
                assertThat(s.proofHash())
                        .isEqualTo(ProofHash.of("s1", "orch-1", "edge-1", null, 0, T0, T0.plusSeconds(10), 10_000));
            });
            var transfer = f.ledger().transfer("session_time:s1:1:0").orElseThrow();
            assertThat(transfer.metadata())
                    .contains("\"reason\":\"session_time\"")
                    .contains("\"segment_index\":\"0\"")
                    .contains("\"duration_ms\":\"10000\"")
                    .contains("\"upstream_port\":8080")
                    .contains("\"trigger\":\"end\"");
            assertThat(new Reconciliation(f.db(), f.clock()).run().ok()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void segments_roll_over_at_forty_minutes_and_the_remainder_is_billed_on_end(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            f.event("s1", "start");
            f.clock().advance(Duration.ofMinutes(39));
            assertThat(f.event("s1", "heartbeat").segments()).isEmpty();
            f.clock().advance(Duration.ofMinutes(42)); // 81 min: two full segments, 1 min open
            SessionBilling.Applied hb = f.event("s1", "heartbeat");
            assertThat(hb.segments())
                    .extracting(SessionBilling.SegmentRow::durationMs)
                    .containsExactly(FORTY_MIN, FORTY_MIN);
            assertThat(WeiAccrual.eth(f.balance())).isEqualTo("4.8"); // 80 min × 0.06
            f.clock().advance(Duration.ofSeconds(30));
            SessionBilling.Applied end = f.event("s1", "end");
            assertThat(end.segments()).singleElement().satisfies(s -> {
                assertThat(s.durationMs()).isEqualTo(90_000);
                assertThat(s.trigger()).isEqualTo("end");
                assertThat(s.segmentIndex()).isEqualTo(2);
            });
            assertThat(WeiAccrual.eth(f.balance())).isEqualTo("4.89");
            assertThat(f.sessions().segments("s1")).hasSize(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void repeated_and_out_of_order_events_never_credit_twice(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            f.event("s1", "heartbeat"); // the start was lost: the first heartbeat starts the session
            f.event("s1", "start"); // the start arrives late: nothing restarts
            f.clock().advance(Duration.ofSeconds(10));
            f.event("s1", "end");
            BigInteger after = f.balance();
            assertThat(WeiAccrual.eth(after)).isEqualTo("0.01");
            f.clock().advance(Duration.ofSeconds(10));
            assertThat(f.event("s1", "end").duplicate()).isTrue();
            assertThat(f.event("s1", "heartbeat").duplicate())
                    .as("a heartbeat after the end")
                    .isTrue();
            assertThat(f.balance()).isEqualTo(after);
            // a start after the end is a fresh session (generation 2) with its own transfer ids
            f.event("s1", "start");
            f.clock().advance(Duration.ofSeconds(20));
            SessionBilling.Applied second = f.event("s1", "end");
            assertThat(second.session().generation()).isEqualTo(2);
            assertThat(second.segments())
                    .singleElement()
                    .satisfies(s -> assertThat(s.transferId()).isEqualTo("session_time:s1:2:0"));
            assertThat(WeiAccrual.eth(f.balance())).isEqualTo("0.03");
            assertThat(new Reconciliation(f.db(), f.clock()).run().ok()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void concurrent_events_of_one_session_close_each_segment_once(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            f.event("s1", "start");
            f.clock().advance(Duration.ofMinutes(41));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<SessionBilling.Applied>> all = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    all.add(pool.submit((Callable<SessionBilling.Applied>) () -> f.event("s1", "heartbeat")));
                }
                int closed = 0;
                for (Future<SessionBilling.Applied> a : all) {
                    closed += a.get().segments().size();
                }
                assertThat(closed).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
            assertThat(WeiAccrual.eth(f.balance())).isEqualTo("2.4");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void sessions_that_may_not_earn_are_stored_with_the_reason_and_credit_nothing(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            SessionEvent start = new SessionEvent("s2", "orch-1", "10.0.0.1", null, null, null, "start").validated();
            SessionEvent end = new SessionEvent("s2", "orch-1", "10.0.0.1", null, null, null, "end").validated();
            var asleep = new SessionBilling.Decision("orch-1", "payload", null, "not_awake");
            f.sessions().apply(start, asleep, FORTY_MIN);
            f.clock().advance(Duration.ofMinutes(1));
            SessionBilling.Applied a = f.sessions().apply(end, asleep, FORTY_MIN);
            assertThat(a.segments()).singleElement().satisfies(s -> {
                assertThat(s.creditedWei()).isZero();
                assertThat(s.notCredited()).isEqualTo("not_awake");
                assertThat(s.transferId()).isNull();
            });
            assertThat(a.session().meteredMs()).isEqualTo(60_000);
            assertThat(a.session().billedMs()).isZero();
            assertThat(a.session().segmentIndex()).isEqualTo(1);
            assertThat(f.balance()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_workload_credits_once_and_a_reused_id_with_other_content_is_refused(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            Workloads workloads = new Workloads(f.db(), f.clock(), Fixture.credit(f.registry()));
            TimeWorkload w =
                    new TimeWorkload("w1", "orch-1", 60_000L, "p", null, "sha256:aa", null, null, null).validated();
            Workloads.Recorded first = workloads.recordTime(w, new BigDecimal("0.000005353596"));
            assertThat(first.created()).isTrue();
            assertThat(first.workload().amountWei()).isEqualTo(new BigInteger("5353596000000"));
            assertThat(first.workload().credited()).isTrue();
            Workloads.Recorded again = workloads.recordTime(w, new BigDecimal("0.000005353596"));
            assertThat(again.created()).isFalse();
            assertThat(again.workload()).isEqualTo(first.workload());
            assertThatThrownBy(() -> workloads.recordTime(
                            new TimeWorkload("w1", "orch-1", 60_001L, "p", null, "sha256:aa", null, null, null)
                                    .validated(),
                            new BigDecimal("0.000005353596")))
                    .isInstanceOf(LedgerException.Conflict.class);
            Workloads.Recorded pending = workloads.recordTime(
                    new TimeWorkload("w2", "orch-1", 60_000L, null, null, "h", null, null, "pending").validated(),
                    new BigDecimal("0.000005353596"));
            assertThat(pending.workload().credited()).isFalse();
            assertThat(f.balance()).isEqualTo(new BigInteger("5353596000000"));
            assertThat(workloads.list("orch-1", null, null, null, 0, 10)).hasSize(2);
            assertThat(new Reconciliation(f.db(), f.clock()).run().ok()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void leases_keep_an_orchestrator_in_use_until_they_expire_or_are_revoked(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            ActivityLeases leases = new ActivityLeases(f.db(), f.clock(), new LeaseBounds(900, 3600));
            Autosleep autosleep = new Autosleep(f.db(), f.clock());
            ActivityLeases.Lease lease = leases.create(null, "orch-1", "10.0.0.1", "workload", 60L, null, null);
            assertThat(lease.expiresAt()).isEqualTo(T0.plusSeconds(60));
            assertThat(autosleep.activity(Duration.ofSeconds(120)).get("orch-1").inUse())
                    .isTrue();
            f.clock().advance(Duration.ofSeconds(50));
            leases.heartbeat(lease.leaseId(), "orch-1", null, null);
            assertThat(leases.find(lease.leaseId()).orElseThrow().expiresAt()).isEqualTo(T0.plusSeconds(50 + 900));
            assertThatThrownBy(() -> leases.heartbeat(lease.leaseId(), "orch-2", null, null))
                    .isInstanceOf(LedgerException.NotFound.class);
            leases.revoke(lease.leaseId());
            assertThat(autosleep.activity(Duration.ofSeconds(120)).get("orch-1").inUse())
                    .isFalse();
            assertThatThrownBy(() -> leases.heartbeat(lease.leaseId(), null, null, null))
                    .isInstanceOf(LedgerException.NotFound.class);
            assertThatThrownBy(() -> leases.create(null, "orch-1", null, "workload", 10L, null, null))
                    .isInstanceOfSatisfying(
                            LedgerException.Invalid.class,
                            e -> assertThat(e.field()).isEqualTo("lease_seconds"));
            assertThat(leases.list("orch-1", false, 0, 10)).hasSize(1);
            assertThat(leases.list("orch-1", true, 0, 10)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_power_meter_credits_consecutive_awake_polls_and_skips_long_gaps(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            PowerMeter meter = new PowerMeter(f.db(), f.clock(), Fixture.credit(f.registry()));
            BigInteger rate = WeiAccrual.weiPerMinute(new BigDecimal("0.1"));
            Duration gap = Duration.ofSeconds(180);
            assertThat(meter.record("orch-1", "awake", true, gap, rate)).isZero();
            f.clock().advance(Duration.ofSeconds(60));
            assertThat(WeiAccrual.eth(meter.record("orch-1", "awake", true, gap, rate)))
                    .isEqualTo("0.1");
            f.clock().advance(Duration.ofSeconds(181));
            assertThat(meter.record("orch-1", "awake", true, gap, rate)).isZero();
            assertThat(meter.state("orch-1").orElseThrow().lastGapSkippedAt())
                    .isEqualTo(f.clock().instant());
            f.clock().advance(Duration.ofSeconds(60));
            assertThat(meter.record("orch-1", "asleep", true, gap, rate)).isZero();
            f.clock().advance(Duration.ofSeconds(60));
            assertThat(meter.record("orch-1", "awake", true, gap, rate)).isZero();
            assertThat(WeiAccrual.eth(f.balance())).isEqualTo("0.1");
            assertThat(f.ledger().transfer("power_time:orch-1:0")).isPresent();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void autosleep_decisions_are_recorded_newest_first_and_pruned_by_age(JdbcTarget target) throws Exception {
        try (Fixture f = Fixture.open(target)) {
            Autosleep autosleep = new Autosleep(f.db(), f.clock());
            autosleep.record("orch-1", "skipped", "not_awake", "10.0.0.1", "asleep", null);
            f.clock().advance(Duration.ofDays(3));
            autosleep.record("orch-1", "slept", "idle", "10.0.0.1", "awake", null);
            assertThat(autosleep.recent("orch-1", 10))
                    .extracting(Autosleep.Decision::decision)
                    .containsExactly("slept", "skipped");
            assertThat(autosleep.prune(Duration.ofDays(2))).isEqualTo(1);
            assertThat(autosleep.recent("orch-1", 10)).hasSize(1);
            assertThat(AccountKeys.orchestrator("orch-1")).isEqualTo("orchestrator:orch-1");
        }
    }
}
