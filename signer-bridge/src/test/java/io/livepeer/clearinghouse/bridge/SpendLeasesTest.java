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
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Hold;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Budget leases ({@link SpendLeases}, {@code docs/spend-control.md#budget-leases}) on a real database (H2 and
 * embedded PostgreSQL; several instances on one PostgreSQL where the claim is about several instances): a busy
 * customer's reservations decided in memory against a leased slice, the holds written by the sync and settled by
 * their events, refill, crash (the slice returns when the lease row expires), the kill switch, the lag policy, and
 * the bounds of {@link SpendControlTest} with leases in play. Prices as in {@link SpendControlTest}: 1,000,000 wei is
 * one USD micro; a {@code fixed} payment at 10,000,000 wei holds exactly 10 micros.
 */
class SpendLeasesTest {

    static final BigDecimal ETH_USD = new BigDecimal("1000000");
    static final SpendLeases.Settings LEASES = new SpendLeases.Settings(
            Duration.ofSeconds(2),
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            new BigDecimal("0.5"),
            Duration.ofSeconds(10));

    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    record Instance(
            Database db,
            Ledger ledger,
            SpendStore store,
            SpendControl spend,
            SpendLeases leases,
            Authorizer authorizer,
            UsageRecorder recorder,
            Clock clock) {}

    /** One instance with leases; {@code background}: its own sync thread (else the test syncs). */
    Instance instance(
            JdbcTarget target, Clock clock, SpendControl.LagPolicy lag, boolean background, boolean groupCommit) {
        Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 8));
        closeables.add(db);
        Ledger ledger = new Ledger(db, clock);
        SpendStore store = new SpendStore(db, ledger, clock);
        GroupCommit lanes = null;
        if (groupCommit) {
            lanes = new GroupCommit(store, 2, 16, 10_000);
            closeables.add(0, lanes);
        }
        SpendControl spend = new SpendControl(
                store,
                lanes,
                SpendControlTest.policy(lag, "0"),
                clock,
                () -> Optional.of(ETH_USD),
                () -> BigDecimal.ZERO);
        SpendLeases leases = spend.startLeases(LEASES, background);
        closeables.add(0, leases); // closed (pending holds written, leases given back) before the database
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
        return new Instance(db, ledger, store, spend, leases, authorizer, new UsageRecorder(db, ledger, clock), clock);
    }

    /** A fixed-price payment of 10 USD micros (no window: every payment asks). */
    static WebhookRequest fixed(String client, String subject, String session, long sequence) {
        String json = "{\"headers\":{\"Authorization\":[\"Bearer " + client + "/" + subject + "\"]},"
                + "\"state\":{\"StateID\":\"" + session + "\",\"Type\":\"fixed\",\"InitialPricePerUnit\":10000000,"
                + "\"InitialPixelsPerUnit\":1,\"SequenceNumber\":" + sequence + ",\"AuthID\":\"\"}}";
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
                billableMicros.multiply(BigDecimal.valueOf(1_000_000)).toBigInteger(),
                billableMicros,
                billableMicros,
                ETH_USD,
                "{\"id\":\"" + id + "\"}",
                "0xorch",
                new KafkaCoordinates("signer", 0, Math.abs(id.hashCode())));
        TicketFacts facts = new TicketFacts(TicketFacts.sha256(raw), "", session, sequence, 1, null, raw);
        i.recorder().record(List.of(entry), List.of(facts), List.of());
    }

    static List<Hold> holds(Instance i, String customer, String type) throws Exception {
        return i.store().holds(customer, null, 10_000).stream()
                .filter(h -> type.equals(h.paymentType()))
                .toList();
    }

    static BigDecimal openLease(Instance i, String customer) throws Exception {
        return holds(i, customer, SpendStore.LEASE_TYPE).stream()
                .filter(h -> h.status() == HoldStatus.OPEN)
                .map(Hold::remaining)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_busy_customer_is_leased_a_slice_decided_in_memory_and_its_holds_are_written_by_the_sync_and_settle(
            JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, SpendControl.LagPolicy.DENY, false, false);
        String customer = "acme:busy-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(i, customer, "1000");
        // the first reservation takes the database path and, in its own transaction, the lease
        assertThat(i.authorizer().decide(fixed("acme", subject, "s", 0)).status())
                .isEqualTo(200);
        assertThat(i.leases().inMemoryAllows()).isZero();
        BigDecimal first = openLease(i, customer);
        assertThat(first)
                .as("leased with the first reservation: 8 of its holds")
                .isEqualByComparingTo("80");
        assertThat(i.store().customer(customer).held()).isEqualByComparingTo(new BigDecimal("10").add(first));
        assertThat(i.leases().leasedAmount()).isEqualByComparingTo(first);
        // the second is decided in memory
        assertThat(i.authorizer().decide(fixed("acme", subject, "s", 1)).status())
                .isEqualTo(200);
        assertThat(i.leases().inMemoryAllows()).isEqualTo(1);
        i.leases().sync(); // writes its hold (drawn from the lease) and tops the lease up
        BigDecimal lease = openLease(i, customer);
        assertThat(lease)
                .as("a slice of the available balance")
                .isPositive()
                .isLessThanOrEqualTo(new BigDecimal("490"));
        assertThat(i.store().customer(customer).held())
                .as("the lease counts as held on every instance")
                .isEqualByComparingTo(new BigDecimal("20").add(lease));

        // decided in memory: no hold row yet, the lease in memory goes down
        for (int n = 2; n < 5; n++) {
            Decision d = i.authorizer().decide(fixed("acme", subject, "s", n));
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.authId()).isEqualTo("acme:" + subject);
        }
        assertThat(i.leases().inMemoryAllows()).isEqualTo(4);
        assertThat(holds(i, customer, "fixed")).hasSize(2);
        assertThat(i.leases().leasedAmount()).isEqualByComparingTo(lease.subtract(new BigDecimal("30")));
        // a retried call takes the exact path; the sync finds its open hold and gives the in-memory one back
        assertThat(i.authorizer().decide(fixed("acme", subject, "s", 4)).status())
                .isEqualTo(200);
        assertThat(i.leases().leasedAmount()).isEqualByComparingTo(lease.subtract(new BigDecimal("30")));

        clock.advance(Duration.ofMillis(100));
        i.leases().sync(); // writes the three holds, drawn from the lease: the running total does not move
        List<Hold> written = holds(i, customer, "fixed");
        assertThat(written).hasSize(5).allSatisfy(h -> assertThat(h.status()).isEqualTo(HoldStatus.OPEN));
        assertThat(written.stream().map(Hold::sequenceNumber)).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L);
        BigDecimal leaseAfter = openLease(i, customer);
        assertThat(i.store().customer(customer).held()).isEqualByComparingTo(new BigDecimal("50").add(leaseAfter));
        assertThat(i.store().heldDrift())
                .as("running total equals the open holds and leases")
                .isEmpty();

        // the signed-ticket event settles the flushed hold like any other; the lease is never settled by an event
        meter(i, customer, "s", 3, BigDecimal.TEN);
        meter(i, customer, null, 99, BigDecimal.ONE); // no session: takes the oldest real hold, not the lease
        assertThat(i.store().holds(customer, HoldStatus.SETTLED, 10).stream().map(Hold::sequenceNumber))
                .contains(3L);
        assertThat(openLease(i, customer)).isEqualByComparingTo(leaseAfter);
        assertThat(i.store().heldDrift()).isEmpty();

        // given back when idle: only the real holds stay held
        clock.advance(LEASES.idle());
        i.leases().sync();
        assertThat(openLease(i, customer)).isZero();
        assertThat(i.store().customer(customer).held()).isEqualByComparingTo("30");
        assertThat(i.store().heldDrift()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_lease_is_refilled_before_it_runs_out_never_from_the_overdraft_and_given_back_close_to_zero(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, SpendControl.LagPolicy.DENY, false, false);
        String customer = "acme:refill-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(i, customer, "400");
        int allowed = 0;
        int refused = 0;
        long seq = 0;
        for (int round = 0; round < 60; round++) {
            for (int k = 0; k < 3; k++) {
                Decision d = i.authorizer().decide(fixed("acme", subject, "r", seq++));
                if (d.allowed()) {
                    allowed++;
                } else {
                    assertThat(d.status()).isEqualTo(483);
                    assertThat(d.code()).isEqualTo("insufficient_balance");
                    refused++;
                }
            }
            clock.advance(Duration.ofMillis(100));
            i.leases().sync();
            assertThat(i.store().customer(customer).held())
                    .as("holds and leases never exceed the balance (no overdraft is leased)")
                    .isLessThanOrEqualTo(new BigDecimal("400"));
        }
        assertThat(i.leases().inMemoryAllows())
                .as("most allows were decided in memory")
                .isGreaterThan(20);
        assertThat(allowed)
                .as("exactly the balance was allowed: 40 payments of 10")
                .isEqualTo(40);
        assertThat(openLease(i, customer))
                .as("close to zero, the lease was given back")
                .isZero();
        assertThat(i.store().customer(customer).held()).isEqualByComparingTo("400");
        assertThat(i.store().heldDrift()).isEmpty();
    }

    /**
     * Holds a transaction open on another connection that has locked rows with {@code sql} (a {@code SELECT … FOR
     * UPDATE}); the returned unlock ends it and returns once it has.
     */
    AutoCloseable lockRows(Instance i, String sql, String customer) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService holder = Executors.newSingleThreadExecutor();
        closeables.add(0, holder::shutdownNow);
        closeables.add(0, release::countDown);
        Future<Object> held = holder.submit(() -> i.db().inTransaction(h -> {
            assertThat(h.createQuery(sql).bind("c", customer).mapToMap().list()).isNotEmpty();
            locked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
        return () -> {
            release.countDown();
            held.get(10, TimeUnit.SECONDS);
        };
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_light_flush_skips_a_lease_row_another_transaction_holds_without_waiting_and_writes_its_holds_next_time(
            JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance i = instance(target, clock, SpendControl.LagPolicy.DENY, false, false);
        String customer = "acme:skip-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(i, customer, "1000");
        assertThat(i.authorizer().decide(fixed("acme", subject, "s", 0)).status())
                .isEqualTo(200); // the database path, which takes the lease (80)
        assertThat(i.authorizer().decide(fixed("acme", subject, "s", 1)).status())
                .isEqualTo(200); // in memory
        assertThat(i.leases().inMemoryAllows()).isEqualTo(1);
        BigDecimal held = i.store().customer(customer).held();

        AutoCloseable release = lockRows(
                i,
                "SELECT id FROM spend_holds WHERE customer_key = :c AND payment_type = 'lease' FOR UPDATE",
                customer);
        clock.advance(Duration.ofMillis(100));
        ExecutorService syncer = Executors.newSingleThreadExecutor();
        closeables.add(0, syncer::shutdownNow);
        syncer.submit(() -> {
                    i.leases().sync();
                    return null;
                })
                .get(5, TimeUnit.SECONDS); // does not wait for the other transaction
        assertThat(i.leases().skippedFlushes()).isEqualTo(1);
        assertThat(holds(i, customer, "fixed"))
                .as("the in-memory hold waits for the next sync")
                .hasSize(1);
        assertThat(i.authorizer().decide(fixed("acme", subject, "s", 2)).status())
                .isEqualTo(200);
        assertThat(i.leases().inMemoryAllows())
                .as("the lease goes on deciding in memory")
                .isEqualTo(2);

        release.close();
        clock.advance(Duration.ofMillis(100));
        i.leases().sync();
        assertThat(holds(i, customer, "fixed").stream().map(Hold::sequenceNumber))
                .containsExactlyInAnyOrder(0L, 1L, 2L);
        assertThat(i.leases().skippedFlushes()).isEqualTo(1);
        assertThat(i.store().customer(customer).held())
                .as("written holds are drawn from the lease: the running total did not move")
                .isEqualByComparingTo(held);
        assertThat(i.store().heldDrift()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void while_a_sync_waits_past_ttl_the_lease_decides_in_memory_for_one_more_ttl_which_its_row_covers(
            JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instant start = clock.instant();
        Instance i = instance(target, clock, SpendControl.LagPolicy.DENY, false, false);
        String customer = "acme:grace-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(i, customer, "1000");
        long seq = 0;
        assertThat(i.authorizer().decide(fixed("acme", subject, "g", seq++)).status())
                .isEqualTo(200); // the database path, which takes the lease (80) valid for ttl
        while (seq < 6) { // in memory, down to 30: below half its target, so the next sync tops up (a full sync)
            assertThat(i.authorizer().decide(fixed("acme", subject, "g", seq++)).status())
                    .isEqualTo(200);
        }
        assertThat(i.leases().inMemoryAllows()).isEqualTo(5);

        // the full sync waits for the customer's row, which another transaction holds
        AutoCloseable release =
                lockRows(i, "SELECT customer_key FROM spend_customers WHERE customer_key = :c FOR UPDATE", customer);
        ExecutorService syncer = Executors.newSingleThreadExecutor();
        closeables.add(0, syncer::shutdownNow);
        Future<Object> sync = syncer.submit(() -> {
            i.leases().sync();
            return null;
        });
        await().atMost(Duration.ofSeconds(5)).until(i.leases()::syncing);
        // the holds are written before the top-up, without the customer's lock: the full part that waits for it has
        // none left to write (its lock, which database-path reservations wait for, is held for a few statements)
        await().atMost(Duration.ofSeconds(5))
                .until(() -> holds(i, customer, "fixed").size() == 6);
        assertThat(sync.isDone())
                .as("the full part still waits for the customer's row")
                .isFalse();

        // past ttl since the lease was granted, while the sync waits: still decided in memory, within the slice
        clock.advance(LEASES.ttl().plusMillis(500));
        Instant graceAllow = clock.instant();
        assertThat(i.authorizer().decide(fixed("acme", subject, "g", seq++)).status())
                .isEqualTo(200);
        assertThat(i.leases().inMemoryAllows()).isEqualTo(6);
        assertThat(i.leases().graceAllows()).isEqualTo(1);
        assertThat(i.leases().leasedAmount()).isEqualByComparingTo("20");
        // past 2 × ttl: no more (the row is not known to cover a later hold): the database path decides
        clock.advance(LEASES.ttl());
        assertThat(i.leases().tryAllow(customer, "g", seq, null, null, BigDecimal.ZERO, (p, far) -> {
                    throw new AssertionError("not planned in memory past 2 × ttl");
                }))
                .isNull();
        assertThat(i.leases().fallbacks(SpendLeases.Fallback.NOT_SYNCED)).isEqualTo(1);

        release.close();
        sync.get(10, TimeUnit.SECONDS);
        List<Hold> lease = holds(i, customer, SpendStore.LEASE_TYPE).stream()
                .filter(h -> h.status() == HoldStatus.OPEN)
                .toList();
        assertThat(lease).hasSize(1);
        assertThat(lease.get(0).expiresAt())
                .as("the lease row outlives the hold allowed in the second ttl by its longest lifetime (long expiry"
                        + " 60 s + hold TTL 120 s)")
                .isAfterOrEqualTo(graceAllow.plus(Duration.ofSeconds(60 + 120)))
                .isAfterOrEqualTo(start.plus(LEASES.ttl().multipliedBy(2)).plus(Duration.ofSeconds(60 + 120)));
        i.leases().sync(); // writes the hold allowed while the other sync waited
        assertThat(holds(i, customer, "fixed")).hasSize(7);
        assertThat(i.store().heldDrift()).isEmpty();
    }

    @Test
    void an_instance_that_dies_with_a_lease_over_allows_nothing_and_its_slice_returns_when_the_lease_expires()
            throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance a = instance(pg, clock, SpendControl.LagPolicy.DENY, false, false);
        Instance b = instance(pg, clock, SpendControl.LagPolicy.DENY, false, false);
        String customer = "acme:crash-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(a, customer, "200");
        int allowed = 0;
        for (int n = 0; n < 2; n++) {
            allowed += a.authorizer().decide(fixed("acme", subject, "a", n)).allowed() ? 1 : 0;
        }
        a.leases().sync();
        BigDecimal lease = openLease(a, customer);
        assertThat(lease).isPositive();
        for (int n = 2; n < 4; n++) { // in memory, never written: the instance dies before its next sync
            allowed += a.authorizer().decide(fixed("acme", subject, "a", n)).allowed() ? 1 : 0;
        }
        assertThat(a.leases().inMemoryAllows())
                .as("the second call and these two: the first took the lease in its transaction")
                .isEqualTo(3);
        a.leases().abandon();

        // the other instance cannot use the dead one's slice ...
        for (int n = 0; n < 40; n++) {
            allowed += b.authorizer().decide(fixed("acme", subject, "b" + n, 0)).allowed() ? 1 : 0;
            if (n % 3 == 0) {
                clock.advance(Duration.ofMillis(100));
                b.leases().sync();
            }
        }
        assertThat(allowed * 10L)
                .as("all allows of both instances, the dead one's unwritten ones included, fit the balance")
                .isLessThanOrEqualTo(200);
        assertThat(openLease(b, customer)).as("the dead lease is still held").isGreaterThanOrEqualTo(lease);

        // ... until the lease row expires: 2 × ttl (in-memory use, the second ttl only while a sync is under way)
        // + long expiry + hold TTL after its last sync (the longest any hold allowed against it in memory would have
        // stood)
        clock.advance(
                LEASES.ttl().multipliedBy(2).plus(Duration.ofSeconds(60 + 120)).plusSeconds(1));
        b.leases().sync();
        assertThat(b.spend().expireHolds()).isPositive();
        assertThat(holds(b, customer, SpendStore.LEASE_TYPE).stream()
                        .filter(h -> h.status() == HoldStatus.EXPIRED)
                        .count())
                .isEqualTo(1);
        int before = allowed;
        for (int n = 40; n < 80; n++) {
            allowed += b.authorizer().decide(fixed("acme", subject, "b" + n, 0)).allowed() ? 1 : 0;
            if (n % 3 == 0) {
                clock.advance(Duration.ofMillis(100));
                b.leases().sync();
            }
        }
        assertThat(allowed).as("the slice came back").isGreaterThan(before);
        b.leases().close();
        assertThat(b.store().heldDrift()).isEmpty();
    }

    @Test
    void two_instances_with_leases_and_many_concurrent_calls_never_allow_more_than_the_available_balance()
            throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        Clock clock = Clock.systemUTC();
        Instance a = instance(pg, clock, SpendControl.LagPolicy.DENY, true, true);
        Instance b = instance(pg, clock, SpendControl.LagPolicy.DENY, true, false);
        String customer = "acme:race-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(a, customer, "2000"); // 200 payments of 10
        ExecutorService pool = Executors.newFixedThreadPool(16);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger refusals = new AtomicInteger();
        try {
            List<Callable<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 16; w++) {
                Instance on = w % 2 == 0 ? a : b;
                workers.add(() -> {
                    int allowed = 0;
                    // until refusals show the balance is spent (with a cap so the test always ends)
                    while (refusals.get() < 200 && calls.get() < 5_000) {
                        int n = calls.getAndIncrement();
                        Decision d = on.authorizer().decide(fixed("acme", subject, "race-" + n, 0));
                        assertThat(d.status()).as(d.toString()).isIn(200, 483);
                        if (d.allowed()) {
                            allowed++;
                        } else {
                            refusals.incrementAndGet();
                        }
                    }
                    return allowed;
                });
            }
            int allowed = 0;
            for (Future<Integer> f : pool.invokeAll(workers)) {
                allowed += f.get();
            }
            assertThat(allowed).as("never more than the balance").isLessThanOrEqualTo(200);
            assertThat(a.leases().inMemoryAllows() + b.leases().inMemoryAllows())
                    .as("leases decided calls in memory")
                    .isPositive();
            a.leases().close();
            b.leases().close();
            assertThat(a.store().customer(customer).held())
                    .as("every allow is a hold once the leases are written and given back")
                    .isEqualByComparingTo(BigDecimal.valueOf(allowed * 10L));
            assertThat(holds(a, customer, "fixed")).hasSize(allowed);
            assertThat(a.store().heldDrift()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_pause_stops_in_memory_allows_on_another_instance_within_a_second_and_gives_its_lease_back()
            throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        Clock clock = Clock.systemUTC();
        Instance a = instance(pg, clock, SpendControl.LagPolicy.DENY, true, false);
        Instance b = instance(pg, clock, SpendControl.LagPolicy.DENY, true, false);
        String customer = "acme:pause-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(a, customer, "100000");
        AtomicInteger n = new AtomicInteger();
        await().pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(5))
                .until(() -> {
                    b.authorizer().decide(fixed("acme", subject, "p", n.getAndIncrement()));
                    return b.leases().inMemoryAllows() > 0;
                });
        assertThat(openLease(b, customer)).isPositive();

        a.store().pause(Scope.CUSTOMER, customer, "incident 7", "ops@example");
        long paused = System.nanoTime();
        await().pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(1))
                .until(() -> b.authorizer()
                                .decide(fixed("acme", subject, "p", n.getAndIncrement()))
                                .status()
                        == 403);
        assertThat(Duration.ofNanos(System.nanoTime() - paused)).isLessThan(Duration.ofSeconds(1));
        await().pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(2))
                .alias("the paused customer's lease is given back")
                .until(() -> openLease(b, customer).signum() == 0);
        assertThat(b.store().heldDrift()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void while_metering_lags_deny_refuses_despite_a_lease_and_allow_keeps_the_lease_from_expiring(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Instance deny = instance(target, clock, SpendControl.LagPolicy.DENY, false, false);
        String customer = "acme:lag-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(deny, customer, "100000");
        meter(deny, customer, "old", 0, BigDecimal.ONE);
        clock.advance(Duration.ofSeconds(1));
        deny.authorizer().decide(fixed("acme", subject, "s", 0));
        deny.authorizer().decide(fixed("acme", subject, "s", 1));
        deny.leases().sync();
        assertThat(deny.authorizer().decide(fixed("acme", subject, "s", 2)).status())
                .isEqualTo(200);
        assertThat(deny.leases().inMemoryAllows())
                .as("s 1 and s 2 (s 0 took the lease)")
                .isEqualTo(2);
        deny.leases().sync();

        clock.advance(Duration.ofSeconds(61)); // nothing metered since the holds
        deny.leases().sync(); // renews the lease: it could be used, but the lag policy comes first
        Decision refused = deny.authorizer().decide(fixed("acme", subject, "s", 3));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.code()).isEqualTo("billing_unavailable");
        assertThat(deny.leases().inMemoryAllows()).isEqualTo(2);

        Instance allow = instance(target, clock, SpendControl.LagPolicy.ALLOW, false, false);
        allow.authorizer().decide(fixed("acme", subject, "t", 0));
        allow.authorizer().decide(fixed("acme", subject, "t", 1));
        allow.leases().sync();
        assertThat(allow.authorizer().decide(fixed("acme", subject, "t", 2)).status())
                .isEqualTo(200);
        assertThat(allow.leases().inMemoryAllows()).isEqualTo(2);
        deny.leases().abandon(); // its lease row is left to expire
        clock.advance(Duration.ofSeconds(100)); // the first holds are past their time, but metering still lags
        allow.authorizer().decide(fixed("acme", subject, "t", 3));
        assertThat(allow.spend().lagging()).isTrue();
        assertThat(allow.spend().expireHolds())
                .as("nothing expires while metering lags")
                .isZero();
        assertThat(openLease(allow, customer)).isPositive();
    }

    /**
     * {@link SpendControlTest#the_balance_never_falls_below_minus_overdraft_and_one_payment} with leases in play: the
     * same live session driven as the signer does, the lease synced after every step, each event metered one payment
     * late (often before the hold it settles is written).
     */
    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void with_leases_the_balance_never_falls_below_minus_overdraft_and_one_payment(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
        Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 8));
        closeables.add(db);
        Ledger ledger = new Ledger(db, clock);
        SpendStore store = new SpendStore(db, ledger, clock);
        SpendControl spend = new SpendControl(
                store,
                null,
                SpendControlTest.policy(SpendControl.LagPolicy.DENY, "25"),
                clock,
                () -> Optional.of(ETH_USD),
                () -> BigDecimal.ZERO);
        // a session pays every 1-8 s (now and then after 75 s): leases that stay usable that long, so they are used
        SpendLeases leases = spend.startLeases(
                new SpendLeases.Settings(
                        Duration.ofSeconds(30),
                        Duration.ofMillis(100),
                        Duration.ofSeconds(1),
                        new BigDecimal("0.5"),
                        Duration.ofSeconds(120)),
                false);
        closeables.add(0, leases);
        Authorizer authorizer = new Authorizer(
                new CredentialVerifier() {
                    @Override
                    public Verification verify(String credential) {
                        String[] parts = credential.split("/");
                        return new Verification.Verified(
                                new Principal(parts[0], parts[1], "external_user_id", null, null));
                    }

                    @Override
                    public String mode() {
                        return "api_key";
                    }
                },
                c -> ledger.account(AccountKeys.customer(c)).map(Account::balance),
                clock,
                Duration.ofSeconds(60),
                BigDecimal.ZERO,
                spend);
        Instance i =
                new Instance(db, ledger, store, spend, leases, authorizer, new UsageRecorder(db, ledger, clock), clock);
        String customer = "acme:bound-" + UUID.randomUUID();
        String subject = customer.substring(5);
        grant(i, customer, "1000"); // far from zero for a while (leased), then close to it (the exact path)
        Random random = new Random(13);
        BigDecimal largestPayment = BigDecimal.ZERO;
        BigDecimal lowest = BigDecimal.ZERO;
        long sequence = 0;
        String session = "bound-0";
        Instant lastPayment = null;
        Long expiry = null;
        Runnable pending = null;
        int refusals = 0;
        int payments = 0;
        while (refusals < 30 && payments < 10_000) {
            clock.advance(Duration.ofSeconds(random.nextInt(10) == 0 ? 75 : 1 + random.nextInt(8)));
            i.spend().expireHolds();
            boolean cached = expiry != null && clock.instant().getEpochSecond() <= expiry;
            if (!cached) {
                Decision d = i.authorizer().decide(SpendControlTest.live("acme", subject, session, sequence));
                if (!d.allowed()) {
                    assertThat(d.status()).isEqualTo(483);
                    refusals++;
                    session = "bound-" + refusals;
                    sequence = 0;
                    lastPayment = null;
                    expiry = null;
                    i.leases().sync();
                    continue;
                }
                expiry = d.expiry();
            }
            long seconds = lastPayment == null
                    ? 10
                    : (Duration.between(lastPayment, clock.instant()).toMillis() + 999) / 1000;
            BigDecimal fee = BigDecimal.valueOf(seconds);
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
            lowest = lowest.min(balance(i, customer));
            i.leases().sync();
        }
        pending.run();
        lowest = lowest.min(balance(i, customer));
        assertThat(refusals).isEqualTo(30);
        assertThat(lowest)
                .as("lowest balance after %d payments (largest %s micros)", payments, largestPayment)
                .isGreaterThanOrEqualTo(new BigDecimal("-25").subtract(largestPayment));
        assertThat(lowest).as("the test reaches the overdraft").isNegative();
        assertThat(i.leases().inMemoryAllows())
                .as("leases decided calls in memory (%d fell back)", i.leases().fallbacks())
                .isPositive();
        assertThat(i.store().heldDrift()).isEmpty();
    }
}
