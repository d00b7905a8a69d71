package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.TicketFacts;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.spend.GroupCommit;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.HoldStatus;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Scope;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spend control on a real database (H2 and embedded PostgreSQL; several application instances on one PostgreSQL
 * where the claim is about several instances): reservations, overdraft, expiry policy, settling and expiring holds,
 * the metering lag policy, the kill switch and the exposure bound. Prices are chosen so that 1,000,000 wei is one
 * USD micro (ETH at $1,000,000) and a live session costs 1 micro per second.
 */
class SpendControlTest {

    static final BigDecimal ETH_USD = new BigDecimal("1000000");
    static final long PRICE_WEI_PER_SECOND = 1_000_000;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    static SpendControl.Policy policy(SpendControl.LagPolicy lag, String overdraft) {
        return new SpendControl.Policy(
                true,
                new BigDecimal(overdraft),
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                Duration.ZERO,
                Duration.ofSeconds(60),
                new BigDecimal("2"),
                Duration.ofSeconds(60),
                Duration.ofSeconds(120),
                Duration.ofSeconds(60),
                lag,
                Duration.ofMillis(500));
    }

    /** One application instance: its own pool, ledger, spend control and authorizer. */
    record Instance(
            Database db,
            Ledger ledger,
            SpendStore store,
            SpendControl spend,
            Authorizer authorizer,
            UsageRecorder recorder,
            Clock clock) {}

    Instance instance(JdbcTarget target, Clock clock, SpendControl.Policy policy) {
        return instance(target, clock, policy, false);
    }

    /** One instance; with {@code groupCommit} its reservations are decided several per transaction (2 lanes). */
    Instance instance(JdbcTarget target, Clock clock, SpendControl.Policy policy, boolean groupCommit) {
        Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 8));
        closeables.add(db);
        Ledger ledger = new Ledger(db, clock);
        SpendStore store = new SpendStore(db, ledger, clock);
        GroupCommit lanes = null;
        if (groupCommit) {
            lanes = new GroupCommit(store, 2, 16, 10_000);
            closeables.add(0, lanes); // closed before its database
        }
        SpendControl spend =
                new SpendControl(store, lanes, policy, clock, () -> Optional.of(ETH_USD), () -> BigDecimal.ZERO);
        CredentialVerifier verifier = new CredentialVerifier() {
            @Override
            public Verification verify(String credential) {
                String[] parts = credential.split("/");
                return new Verification.Verified(new Principal(parts[0], parts[1], "external_user_id", null, null));
            }

            @Override
            public String mode() {
                return "api_key";
            }
        };
        Authorizer authorizer = new Authorizer(
                verifier,
                c -> ledger.account(AccountKeys.customer(c)).map(Account::balance),
                clock,
                Duration.ofSeconds(60),
                BigDecimal.ZERO,
                spend);
        return new Instance(db, ledger, store, spend, authorizer, new UsageRecorder(db, ledger, clock), clock);
    }

    static WebhookRequest live(String client, String subject, String session, long sequence) {
        String json = "{\"headers\":{\"Authorization\":[\"Bearer " + client + "/" + subject + "\"]},"
                + "\"state\":{\"StateID\":\"" + session + "\",\"Type\":\"live\",\"InitialPricePerUnit\":"
                + PRICE_WEI_PER_SECOND + ",\"InitialPixelsPerUnit\":1,\"SequenceNumber\":" + sequence
                + ",\"AuthID\":\"\"}}";
        return WebhookRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static void grant(Instance i, String customer, String micros) throws Exception {
        i.ledger()
                .post(new NewTransfer(
                        "grant:" + UUID.randomUUID(),
                        AccountKeys.GRANTS,
                        AccountKeys.customer(customer),
                        new BigDecimal(micros),
                        TransferKind.GRANT,
                        null,
                        null,
                        null));
    }

    static BigDecimal balance(Instance i, String customer) throws Exception {
        return i.ledger()
                .account(AccountKeys.customer(customer))
                .map(Account::balance)
                .orElse(BigDecimal.ZERO);
    }

    /** The signed-ticket event of one payment, as metering records it (outbox, ledger, completeness, holds). */
    static void meter(Instance i, String customer, String session, long sequence, BigDecimal billableMicros)
            throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] raw = ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
        OutboxEntry entry = new OutboxEntry(
                id,
                customer,
                "live",
                "unknown",
                i.clock().instant(),
                billableMicros
                        .multiply(BigDecimal.valueOf(PRICE_WEI_PER_SECOND))
                        .toBigInteger(),
                billableMicros,
                billableMicros,
                ETH_USD,
                "{\"id\":\"" + id + "\"}",
                "0xorch",
                new KafkaCoordinates("signer", 0, Math.abs(id.hashCode())));
        TicketFacts facts = new TicketFacts(TicketFacts.sha256(raw), "", session, sequence, 1, null, raw);
        i.recorder().record(List.of(entry), List.of(facts), List.of());
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_hold_covers_the_next_payment_and_the_expiry_depends_on_the_distance_from_zero(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(i, "acme:rich", "1000");
        grant(i, "acme:near", "100");
        grant(i, "acme:broke", "5");

        // far from zero: a long expiry, and a hold for the first payment (10 s) plus 60 s of streaming
        Decision rich = i.authorizer().decide(live("acme", "rich", "s-rich", 0));
        assertThat(rich.status()).isEqualTo(200);
        assertThat(rich.expiry()).isEqualTo(clock.instant().getEpochSecond() + 60);
        assertThat(i.store().holds("acme:rich", HoldStatus.OPEN, 10))
                .singleElement()
                .satisfies(h -> {
                    assertThat(h.amount()).isEqualByComparingTo("70");
                    assertThat(h.windowSeconds()).isEqualTo(60);
                });

        // near zero (100 < 2 × 70): no expiry, so the signer asks before every payment; the hold is one payment
        Decision near = i.authorizer().decide(live("acme", "near", "s-near", 0));
        assertThat(near.status()).isEqualTo(200);
        assertThat(near.expiry()).isNull();
        assertThat(i.store().customer("acme:near").held()).isEqualByComparingTo("10");

        // 5 micros cannot cover a 10-micro payment
        Decision broke = i.authorizer().decide(live("acme", "broke", "s-broke", 0));
        assertThat(broke.status()).isEqualTo(483);
        assertThat(broke.code()).isEqualTo("insufficient_balance");
        assertThat(broke.reason())
                .contains("acme:broke")
                .contains("balance 5")
                .contains("next payment estimated at 10");
        assertThat(i.store().holds("acme:broke", null, 10)).isEmpty();

        // the signer retries the very same call: no second hold
        assertThat(i.authorizer().decide(live("acme", "near", "s-near", 0)).status())
                .isEqualTo(200);
        assertThat(i.store().customer("acme:near").held()).isEqualByComparingTo("10");

        // 3 s later the next payment of the session is 3 micros: held beside the first one
        clock.advance(Duration.ofSeconds(3));
        assertThat(i.authorizer().decide(live("acme", "near", "s-near", 1)).status())
                .isEqualTo(200);
        assertThat(i.store().customer("acme:near").held()).isEqualByComparingTo("13");
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void an_overdraft_limit_lets_a_customer_go_below_zero_up_to_the_limit_with_its_own_reason(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(i, "acme:olga", "5");
        assertThat(i.authorizer().decide(live("acme", "olga", "a", 0)).code()).isEqualTo("insufficient_balance");

        i.store().setOverdraft("acme:olga", new BigDecimal("10"), "ops@example", "trusted customer");
        assertThat(i.authorizer().decide(live("acme", "olga", "a", 0)).status()).isEqualTo(200); // 5 + 10 - 10 = 5
        Decision second = i.authorizer().decide(live("acme", "olga", "b", 0));
        assertThat(second.status()).isEqualTo(483);
        assertThat(second.code()).isEqualTo("overdraft_limit_reached");
        assertThat(second.reason()).contains("overdraft limit 10");
        assertThat(i.store().audit(5)).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("OVERDRAFT");
            assertThat(a.actor()).isEqualTo("ops@example");
            assertThat(a.detail()).isEqualTo("10");
        });
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void holds_settle_against_the_metered_event_of_their_session_and_sequence_and_expire_otherwise(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(i, "acme:sam", "100");
        assertThat(i.authorizer().decide(live("acme", "sam", "s1", 0)).status()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(2));
        assertThat(i.authorizer().decide(live("acme", "sam", "s1", 1)).status()).isEqualTo(200);
        assertThat(i.store().customer("acme:sam").held()).isEqualByComparingTo("12");

        // the event of sequence 1 arrives first (Kafka keeps no order across partitions): it settles that hold only
        meter(i, "acme:sam", "s1", 1, new BigDecimal("2"));
        assertThat(i.store().holds("acme:sam", HoldStatus.SETTLED, 10))
                .singleElement()
                .satisfies(h -> assertThat(h.sequenceNumber()).isEqualTo(1L));
        assertThat(i.store().customer("acme:sam").held()).isEqualByComparingTo("10");
        assertThat(balance(i, "acme:sam")).isEqualByComparingTo("98");

        // the event of sequence 0 never arrives (the signer's Kafka path is lossy): its hold expires after its time
        clock.advance(Duration.ofSeconds(117)); // hold 0 was made 119 s ago: it expires 120 s after
        assertThat(i.spend().expireHolds()).isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(i.spend().expireHolds()).isEqualTo(1);
        assertThat(i.store().holds("acme:sam", HoldStatus.EXPIRED, 10))
                .singleElement()
                .satisfies(h -> assertThat(h.sequenceNumber()).isZero());
        assertThat(i.store().customer("acme:sam").held()).isEqualByComparingTo("0");
        assertThat(i.store().heldDrift()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_long_window_hold_is_drawn_down_by_each_payment_of_its_session(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(i, "acme:lea", "1000");
        assertThat(i.authorizer().decide(live("acme", "lea", "w", 0)).expiry()).isNotNull(); // holds 70
        for (int seq = 0; seq < 5; seq++) { // the signer skips the webhook; the payments arrive
            meter(i, "acme:lea", "w", seq, new BigDecimal("10"));
        }
        assertThat(i.store().holds("acme:lea", HoldStatus.OPEN, 10))
                .singleElement()
                .satisfies(h -> assertThat(h.remaining()).isEqualByComparingTo("20"));
        meter(i, "acme:lea", "w", 5, new BigDecimal("30"));
        assertThat(i.store().holds("acme:lea", HoldStatus.SETTLED, 10)).hasSize(1);
        assertThat(balance(i, "acme:lea")).isEqualByComparingTo("920");
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void when_metering_lags_deny_answers_503_and_allow_keeps_holds_standing_in_for_the_usage(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance deny = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(deny, "acme:lag", "100");
        meter(deny, "acme:lag", "old", 0, BigDecimal.ONE); // metering worked once
        clock.advance(Duration.ofSeconds(1));
        assertThat(deny.authorizer().decide(live("acme", "lag", "s", 0)).status())
                .isEqualTo(200);
        // the consumer stops: nothing is metered after the hold
        clock.advance(Duration.ofSeconds(61));
        assertThat(deny.spend().meteringLag()).isEqualTo(Duration.ofSeconds(61));
        Decision refused = deny.authorizer().decide(live("acme", "lag", "s", 1));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.code()).isEqualTo("billing_unavailable");
        assertThat(refused.reason()).contains("metering is 61 s behind");

        Instance allow = instance(target, clock, policy(SpendControl.LagPolicy.ALLOW, "0"));
        assertThat(allow.spend().lagging()).isTrue();
        Decision allowed = allow.authorizer().decide(live("acme", "lag", "s", 1));
        assertThat(allowed.status()).isEqualTo(200);
        // holds past their time do not expire while metering lags: they stand in for the unmetered usage
        clock.advance(Duration.ofSeconds(100)); // the first hold is past its time (created + 120 s)
        allow.authorizer().decide(live("acme", "lag", "s", 2));
        assertThat(allow.spend().lagging()).isTrue();
        assertThat(allow.spend().expireHolds()).isZero();
        assertThat(allow.store().customer("acme:lag").held()).isPositive();

        // metering catches up: the lag is gone and the holds may expire again
        meter(allow, "acme:lag", "s", 2, BigDecimal.ONE);
        clock.advance(Duration.ofSeconds(1));
        assertThat(allow.spend().lagging()).isFalse();
        assertThat(allow.spend().expireHolds()).isPositive();
    }

    @ParameterizedTest(name = "group commit {0}")
    @ValueSource(booleans = {false, true})
    void concurrent_authorizations_on_two_instances_never_hold_more_than_the_available_balance(boolean groupCommit)
            throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        Clock clock = Clock.systemUTC();
        Instance a = instance(pg, clock, policy(SpendControl.LagPolicy.DENY, "0"), groupCommit);
        Instance b = instance(pg, clock, policy(SpendControl.LagPolicy.DENY, "0"), groupCommit);
        String race = "race-" + groupCommit;
        String other = "other-" + groupCommit;
        grant(a, "acme:" + race, "100"); // ten first payments of 10 micros
        grant(a, "acme:" + other, "50"); // five: its calls share batches (and lanes) with the first customer's
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Decision>> calls = new ArrayList<>();
            for (int n = 0; n < 60; n++) {
                Instance on = n % 2 == 0 ? a : b;
                String subject = n % 3 == 0 ? other : race;
                String session = "race-" + n;
                calls.add(() -> on.authorizer().decide(live("acme", subject, session, 0)));
            }
            int allowedRace = 0;
            int allowedOther = 0;
            int n = 0;
            for (Future<Decision> f : pool.invokeAll(calls)) {
                Decision d = f.get();
                assertThat(d.status()).as(d.toString()).isIn(200, 483);
                if (n++ % 3 == 0) {
                    allowedOther += d.allowed() ? 1 : 0;
                } else {
                    allowedRace += d.allowed() ? 1 : 0;
                }
            }
            assertThat(allowedRace).isEqualTo(10);
            assertThat(allowedOther).isEqualTo(5);
            assertThat(a.store().customer("acme:" + race).held()).isEqualByComparingTo("100");
            assertThat(b.store().customer("acme:" + other).held()).isEqualByComparingTo("50");
            assertThat(a.store().heldDrift())
                    .as("running totals equal the open holds")
                    .isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_group_commit_batch_decides_as_one_call_after_the_other_and_a_retry_in_the_same_batch_holds_once(
            JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(i, "acme:batch", "25");
        grant(i, "acme:other", "10");
        // holds 10 while the available amount covers it; says what it saw
        SpendStore.Planner<String> tenMicros = p -> {
            if (p.existing() != null) {
                return new SpendStore.Plan<>("retry", null);
            }
            String seen = p.lastHoldAt() == null ? "first" : "after " + p.lastHoldAt();
            return p.available().compareTo(BigDecimal.TEN) >= 0
                    ? new SpendStore.Plan<>(
                            "held " + seen,
                            new SpendStore.NewHold(
                                    "live", BigDecimal.TEN, 0, clock.instant().plusSeconds(60)))
                    : new SpendStore.Plan<>(
                            "refused " + p.available().stripTrailingZeros().toPlainString(), null);
        };
        BigDecimal zero = BigDecimal.ZERO;
        List<Object> decisions = i.store()
                .reserveAll(List.of(
                        new SpendStore.Reservation<>("acme:batch", "s1", 0L, zero, tenMicros),
                        new SpendStore.Reservation<>("acme:batch", "s1", 0L, zero, tenMicros),
                        new SpendStore.Reservation<>("acme:other", "o1", 0L, zero, tenMicros),
                        new SpendStore.Reservation<>("acme:batch", "s2", 0L, zero, tenMicros),
                        new SpendStore.Reservation<>("acme:batch", "s1", 1L, zero, tenMicros),
                        new SpendStore.Reservation<>("acme:other", "o1", 1L, zero, tenMicros)));
        assertThat(decisions)
                .containsExactly("held first", "retry", "held first", "held first", "refused 5", "refused 0");
        assertThat(i.store().customer("acme:batch").held()).isEqualByComparingTo("20");
        assertThat(i.store().customer("acme:other").held()).isEqualByComparingTo("10");
        assertThat(i.store().holds("acme:batch", HoldStatus.OPEN, 10)).hasSize(2);
        assertThat(i.store().heldDrift()).isEmpty();

        // the next batch sees the first one's holds in the database: the session's latest hold, the retried call
        clock.advance(Duration.ofSeconds(3));
        grant(i, "acme:batch", "100");
        assertThat(i.store()
                        .reserveAll(List.of(
                                new SpendStore.Reservation<>("acme:batch", "s1", 0L, zero, tenMicros),
                                new SpendStore.Reservation<>("acme:batch", "s1", 1L, zero, tenMicros))))
                .containsExactly("retry", "held after 2026-11-01T10:00:00Z");
        assertThat(i.store().heldDrift()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void the_running_open_hold_total_follows_reserve_settle_and_expiry_and_a_drift_is_found_and_repaired(
            JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "0"), true);
        grant(i, "acme:sum", "1000");
        grant(i, "acme:sum2", "15");
        i.authorizer().decide(live("acme", "sum", "w", 0)); // a long window hold (70)
        i.authorizer().decide(live("acme", "sum2", "a", 0)); // single payments (10 each)
        clock.advance(Duration.ofSeconds(5));
        i.authorizer().decide(live("acme", "sum2", "b", 0));
        assertThat(i.store().customer("acme:sum").held()).isEqualByComparingTo("70");
        assertThat(i.store().customer("acme:sum2").held()).isEqualByComparingTo("10");
        assertThat(i.store().heldDrift()).isEmpty();

        meter(i, "acme:sum", "w", 0, new BigDecimal("10")); // draws the window hold down
        meter(i, "acme:sum2", "a", 0, new BigDecimal("3")); // closes the hold (its remaining no longer counts)
        assertThat(i.store().customer("acme:sum").held()).isEqualByComparingTo("60");
        assertThat(i.store().customer("acme:sum2").held()).isZero();
        assertThat(i.store().heldDrift()).isEmpty();

        clock.advance(Duration.ofSeconds(200)); // past every hold's time
        assertThat(i.spend().expireHolds()).isEqualTo(1);
        assertThat(i.store().customer("acme:sum").held()).isZero();
        assertThat(i.store().heldDrift()).isEmpty();

        grant(i, "acme:sum2", "200");
        // asked again: the settled row is opened again (one payment of up to the 60 s cap)
        assertThat(i.authorizer().decide(live("acme", "sum2", "a", 0)).status()).isEqualTo(200);
        BigDecimal reopened = i.store().customer("acme:sum2").held();
        assertThat(reopened).isPositive();
        assertThat(i.store().heldDrift()).isEmpty();

        i.db().withHandle(h ->
                h.execute("UPDATE spend_customers SET held_usd_micros = 3 WHERE customer_key = 'acme:sum2'")); // a bug
        assertThat(i.store().heldDrift()).singleElement().satisfies(d -> {
            assertThat(d.customerKey()).isEqualTo("acme:sum2");
            assertThat(d.runningTotal()).isEqualByComparingTo("3");
            assertThat(d.openHolds()).isEqualByComparingTo(reopened);
        });
        assertThat(i.store().reconcileHeld()).hasSize(1);
        assertThat(i.store().heldDrift()).isEmpty();
        assertThat(i.store().customer("acme:sum2").held()).isEqualByComparingTo(reopened);
    }

    @Test
    void a_pause_on_one_instance_stops_signing_on_another_within_a_second_and_is_audited() throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        Clock clock = Clock.systemUTC();
        Instance a = instance(pg, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        Instance b = instance(pg, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(a, "acme:kim", "1000000");
        grant(a, "beta:lou", "1000000");
        assertThat(b.authorizer().decide(live("acme", "kim", "k", 0)).status()).isEqualTo(200); // pauses now read

        a.store().pause(Scope.CLIENT, "acme", "incident 42: runaway spend", "ops@example");
        long paused = System.nanoTime();
        await().atMost(Duration.ofSeconds(1))
                .until(() -> b.authorizer().decide(live("acme", "kim", "k", 1)).status() == 403);
        assertThat(Duration.ofNanos(System.nanoTime() - paused)).isLessThan(Duration.ofSeconds(1));
        Decision refused = b.authorizer().decide(live("acme", "kim", "k", 2));
        assertThat(refused.code()).isEqualTo("signing_paused");
        assertThat(refused.reason()).isEqualTo("signing is paused for client acme: incident 42: runaway spend");
        assertThat(b.authorizer().decide(live("beta", "lou", "l", 0)).status())
                .as("another client is not paused")
                .isEqualTo(200);

        a.store().pause(Scope.ALL, "", "maintenance", "ops@example");
        await().atMost(Duration.ofSeconds(1))
                .until(() -> b.authorizer().decide(live("beta", "lou", "l", 1)).status() == 403);

        a.store().resume(Scope.ALL, "", "done", "ops@example");
        a.store().resume(Scope.CLIENT, "acme", "fixed", "ops@example");
        await().atMost(Duration.ofSeconds(1))
                .until(() -> b.authorizer().decide(live("acme", "kim", "k", 3)).status() == 200);
        assertThat(a.store().activePauses()).isEmpty();
        assertThat(b.store().audit(10).stream().map(e -> e.action() + " " + e.scope() + " " + e.actor()))
                .containsExactly(
                        "RESUME CLIENT ops@example",
                        "RESUME ALL ops@example",
                        "PAUSE ALL ops@example",
                        "PAUSE CLIENT ops@example");
    }

    @Test
    void a_pause_applies_within_a_second_while_a_metering_lag_measure_is_stuck() throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        Clock clock = Clock.systemUTC();
        Instance a = instance(pg, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        Instance b = instance(pg, clock, policy(SpendControl.LagPolicy.DENY, "0"));
        grant(a, "acme:ann", "1000000");
        assertThat(b.authorizer().decide(live("acme", "ann", "a", 0)).status()).isEqualTo(200);

        // the lag measure reads outbox_events: another transaction locks the table, so a measure hangs (as a slow
        // one would), the way the lag timer's measure did while it held the lock the pauses needed
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        closeables.add(0, threads::shutdownNow);
        closeables.add(0, release::countDown);
        var holder = threads.submit(() -> a.db().inTransaction(h -> {
            h.execute("LOCK TABLE outbox_events IN ACCESS EXCLUSIVE MODE");
            locked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(locked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // past the refresh (500 ms): the lag is due for a measure
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> true);
        var measure = threads.submit(() -> b.spend().meteringLag()); // the timer's measure: it hangs on the lock
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> !measure.isDone());

        a.store().pause(Scope.CUSTOMER, "acme:ann", "incident 43", "ops@example");
        long paused = System.nanoTime();
        await().atMost(Duration.ofSeconds(2))
                .until(() -> b.authorizer().decide(live("acme", "ann", "a", 1)).status() == 403);
        assertThat(Duration.ofNanos(System.nanoTime() - paused))
                .as("the pauses are re-read on their own, never behind the lag measure")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(measure.isDone()).as("the lag measure was still stuck").isFalse();
        release.countDown();
        holder.get(10, java.util.concurrent.TimeUnit.SECONDS);
        measure.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * The bound, measured: a customer with a small grant streams a live session through authorize → signed tickets
     * exactly as the signer does (a payment every 1–8 s, now and then a gap longer than the estimate assumes; the
     * webhook skipped while an expiry holds; each event metered one payment late; holds past their time expired as
     * the timer does; after a refusal the gateway opens a new payment session) until it has been refused 30 times.
     * The balance
     * never goes below −(overdraft + one payment).
     */
    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void the_balance_never_falls_below_minus_overdraft_and_one_payment(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, policy(SpendControl.LagPolicy.DENY, "25"));
        String customer = "acme:bound";
        grant(i, customer, "500");
        Random random = new Random(13);
        BigDecimal largestPayment = BigDecimal.ZERO;
        BigDecimal lowest = BigDecimal.ZERO;
        long sequence = 0;
        String session = "bound-0";
        Instant lastPayment = null;
        Long expiry = null;
        Runnable pending = null;
        int refusals = 0;
        int webhookCalls = 0;
        int payments = 0;
        while (refusals < 30 && payments < 10_000) { // the gateway keeps trying after a refusal
            clock.advance(Duration.ofSeconds(random.nextInt(10) == 0 ? 75 : 1 + random.nextInt(8)));
            i.spend().expireHolds(); // the spend-hold-expiry timer
            boolean cached = expiry != null && clock.instant().getEpochSecond() <= expiry;
            if (!cached) {
                webhookCalls++;
                Decision d = i.authorizer().decide(live("acme", "bound", session, sequence));
                if (!d.allowed()) {
                    // nothing signed; the gateway gives up this payment session and opens a new one
                    assertThat(d.status()).isEqualTo(483);
                    refusals++;
                    session = "bound-" + refusals;
                    sequence = 0;
                    lastPayment = null;
                    expiry = null;
                    continue;
                }
                expiry = d.expiry();
            }
            // the signer bills the seconds since its last payment, 10 s for the first (go-livepeer live pricing)
            long seconds = lastPayment == null
                    ? 10
                    : (Duration.between(lastPayment, clock.instant()).toMillis() + 999) / 1000;
            BigDecimal fee = BigDecimal.valueOf(seconds); // 1 micro a second
            largestPayment = largestPayment.max(fee);
            lastPayment = clock.instant();
            long seq = sequence++;
            String paidSession = session;
            payments++;
            if (pending != null) {
                pending.run();
            }
            pending = () -> {
                try {
                    meter(i, customer, paidSession, seq, fee);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            BigDecimal balance = balance(i, customer);
            lowest = lowest.min(balance);
        }
        pending.run();
        lowest = lowest.min(balance(i, customer));
        assertThat(refusals).as("the customer is refused in the end").isEqualTo(30);
        assertThat(webhookCalls)
                .as("the long expiry saved calls while far from zero")
                .isLessThan(payments);
        assertThat(lowest)
                .as("lowest balance after %d payments (largest %s micros)", payments, largestPayment)
                .isGreaterThanOrEqualTo(new BigDecimal("-25").subtract(largestPayment));
        assertThat(lowest).as("the test reaches the overdraft").isNegative();
        assertThat(i.store().heldDrift())
                .as("running total equals the open holds")
                .isEmpty();
    }
}
