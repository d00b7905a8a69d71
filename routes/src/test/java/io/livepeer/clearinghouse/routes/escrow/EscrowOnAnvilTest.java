package io.livepeer.clearinghouse.routes.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.Fees;
import io.livepeer.clearinghouse.contracts.KeySource;
import io.livepeer.clearinghouse.contracts.LivepeerTestChain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.Protocol;
import io.livepeer.clearinghouse.contracts.SharedContracts;
import io.livepeer.clearinghouse.contracts.SignedTicket;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.contracts.TicketSigner;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.escrow.EscrowSigners;
import io.livepeer.clearinghouse.ledger.escrow.Funding;
import io.livepeer.clearinghouse.ledger.escrow.FundingAttempt;
import io.livepeer.clearinghouse.ledger.escrow.FundingPurpose;
import io.livepeer.clearinghouse.ledger.escrow.FundingState;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import io.livepeer.clearinghouse.ledger.escrow.SignerObservation;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxWriter;
import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The escrow flow against the real TicketBroker on anvil and a real database: the runway follows a deposit drawn down
 * by redeemed winning tickets and metered fee_wei; a top-up crosses the threshold once, respects the daily cap and
 * survives a crash between signing and broadcast with one transaction on chain; autofund tops up the payout key's
 * deposit; a stuck funding is replaced with a fee bump under the cap, and whichever of its transactions is mined funds
 * once. Skipped with a message when ../shared/contracts is absent.
 */
@ExtendWith(AnvilExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EscrowOnAnvilTest {

    private static final BigInteger FACE = BigInteger.TEN.pow(15); // 0.001 ETH
    private static final Duration WINDOW = Duration.ofHours(6);
    private static final Duration STUCK_AFTER = Duration.ofMinutes(10);

    private LivepeerTestChain net;
    private Protocol protocol;
    private Anvil anvil;
    private String orchestrator;
    private Database db;
    private MutableClock clock;

    @BeforeAll
    void deploy(Anvil anvil) {
        this.anvil = anvil;
        anvil.automine(true);
        net = LivepeerTestChain.deploy(anvil, SharedContracts.require(), 7);
        protocol = Protocol.of(net.chain, net.broker);
        orchestrator = LivepeerTestChain.freshKey(net.chain, BigInteger.ZERO).address();
        net.registerTranscoder(orchestrator);
    }

    @AfterAll
    void close() {
        if (net != null) {
            net.chain.close();
        }
    }

    @BeforeEach
    void open() {
        TestDatabases.JdbcTarget t = TestDatabases.h2();
        db = Database.open(new DatabaseConfig(t.url(), t.user(), t.password(), 4));
        clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void the_runway_and_its_warnings_follow_a_deposit_drawn_down_by_redemptions() throws Exception {
        PayoutKey signer = fundedSigner(FACE.multiply(BigInteger.valueOf(20)), BigInteger.ZERO);
        meter(signer.address(), FACE.multiply(BigInteger.valueOf(6))); // 0.006 ETH in 6 h: 0.001 ETH/h
        EscrowSettings settings = settings(List.of(signer.address()), false, false, true);
        EscrowCycle cycle = cycle(settings, Optional.empty(), Optional.empty(), null);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EscrowMonitor monitor =
                new EscrowMonitor(registry, settings, new EscrowSigners(db), new Fundings(db, clock), clock);
        EscrowHealthCheck check = new EscrowHealthCheck(monitor);
        check.setCamelContext(new DefaultCamelContext());

        SignerObservation first = cycle.run().observations().get(0);
        monitor.refresh();
        assertThat(first.depositWei()).isEqualTo(FACE.multiply(BigInteger.valueOf(20)));
        assertThat(first.burnWeiPerHour()).isEqualTo(FACE);
        assertThat(first.runwayHours()).isEqualByComparingTo("20");
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(check.call().getMessage())
                .hasValueSatisfying(m -> assertThat(m).doesNotContain("WARNING"));

        redeem(signer, 6); // deposit 14 × FACE: 14 h < 15 h
        cycle.run();
        monitor.refresh();
        HealthCheck.Result warning = check.call();
        assertThat(warning.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(warning.getMessage())
                .hasValueSatisfying(m -> assertThat(m)
                        .contains("WARNING")
                        .contains(signer.address())
                        .contains("14.00 h"));
        assertThat(registry.get("clearinghouse.escrow.signers.below.warn")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(registry.get("clearinghouse.escrow.signers.below.critical")
                        .gauge()
                        .value())
                .isEqualTo(0.0);

        redeem(signer, 10); // deposit 4 × FACE: 4 h < 5 h
        SignerObservation last = cycle.run().observations().get(0);
        monitor.refresh();
        assertThat(last.depositWei()).isEqualTo(FACE.multiply(BigInteger.valueOf(4)));
        HealthCheck.Result critical = check.call();
        assertThat(critical.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(critical.getMessage())
                .hasValueSatisfying(m -> assertThat(m).contains("CRITICAL").contains(signer.address()));
        assertThat(registry.get("clearinghouse.escrow.runway.hours")
                        .tag("signer", signer.address())
                        .gauge()
                        .value())
                .isEqualTo(4.0);
        assertThat(registry.get("clearinghouse.escrow.deposit.eth")
                        .tag("signer", signer.address())
                        .gauge()
                        .value())
                .isEqualTo(0.004);
        assertThat(registry.get("clearinghouse.escrow.signers.below.critical")
                        .gauge()
                        .value())
                .isEqualTo(1.0);

        // nothing metered in the window: no burn, an infinite runway, healthy again
        clock.advance(WINDOW.plusMinutes(1));
        SignerObservation idle = cycle.run().observations().get(0);
        monitor.refresh();
        assertThat(idle.runwayHours()).isNull();
        assertThat(idle.burnWeiPerHour()).isZero();
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(registry.get("clearinghouse.escrow.runway.hours")
                        .tag("signer", signer.address())
                        .gauge()
                        .value())
                .isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void a_top_up_crosses_the_threshold_once_respects_the_daily_cap_and_survives_a_crash_before_broadcast()
            throws Exception {
        PayoutKey signer = fundedSigner(FACE.multiply(BigInteger.TWO), BigInteger.ZERO);
        PayoutKey treasury = LivepeerTestChain.freshKey(net.chain, BigInteger.TEN.pow(18));
        meter(signer.address(), FACE.multiply(BigInteger.valueOf(6))); // 0.001 ETH/h, runway 2 h
        // below 24 h: top up to 48 h of burn (0.048 ETH) = + 0.046 ETH, cut to the 0.03 ETH daily cap
        EscrowSettings settings = settings(List.of(signer.address()), true, false, false);
        BigInteger nonceBefore = net.chain.latestNonce(treasury.address());
        AtomicBoolean crash = new AtomicBoolean(true);
        EscrowCycle crashing = cycle(settings, Optional.of(treasury), Optional.empty(), f -> {
            if (crash.getAndSet(false)) {
                throw new IllegalStateException("simulated crash between sign and broadcast");
            }
        });

        assertThatThrownBy(crashing::run).hasMessageContaining("simulated crash");
        Fundings fundings = new Fundings(db, clock);
        Funding stored = fundings.open().get(0);
        assertThat(stored.state()).isEqualTo(FundingState.SIGNED);
        assertThat(stored.purpose()).isEqualTo(FundingPurpose.SIGNER_TOPUP);
        assertThat(stored.depositWei()).isEqualTo(FACE.multiply(BigInteger.valueOf(30)));
        assertThat(stored.reserveWei()).isZero();
        assertThat(net.chain.receipt(stored.txHash())).isEmpty();

        // the restarted instance re-broadcasts the stored bytes and does not sign a second top-up
        EscrowCycle restarted = cycle(settings, Optional.of(treasury), Optional.empty(), null);
        EscrowCycle.Report afterRestart = restarted.run();
        assertThat(afterRestart.fundings()).extracting(Funding::txHash).containsExactly(stored.txHash());
        // whether anvil mined it before the poll read the deposit or not, no second top-up is signed
        assertThat(afterRestart.observations().get(0).lastDecision())
                .satisfiesAnyOf(
                        d -> assertThat(d).contains(stored.fundingId()).contains("still"),
                        d -> assertThat(d).startsWith("no top-up needed"));
        assertThat(fundings.recent(FundingPurpose.SIGNER_TOPUP, signer.address(), 10))
                .extracting(Funding::fundingId)
                .containsExactly(stored.fundingId());
        mined(stored.txHash());
        EscrowCycle.Report confirmed = restarted.run();
        assertThat(confirmed.fundings()).singleElement().satisfies(f -> {
            assertThat(f.state()).isEqualTo(FundingState.CONFIRMED);
            assertThat(f.blockNumber()).isNotNull();
        });
        assertThat(net.chain.receipt(stored.txHash()))
                .hasValueSatisfying(r -> assertThat(r.isStatusOK()).isTrue());
        assertThat(net.chain.latestNonce(treasury.address()))
                .as("one transaction on chain")
                .isEqualTo(nonceBefore.add(BigInteger.ONE));
        SignerObservation topped = confirmed.observations().get(0);
        assertThat(topped.depositWei()).isEqualTo(FACE.multiply(BigInteger.valueOf(32)));
        assertThat(topped.runwayHours()).isEqualByComparingTo("32");
        assertThat(topped.lastDecision()).startsWith("no top-up needed");

        // drawn below the threshold again the same day: the cap is spent, nothing is sent
        redeem(signer, 10); // 22 h
        SignerObservation capped = restarted.run().observations().get(0);
        assertThat(capped.runwayHours()).isEqualByComparingTo("22");
        assertThat(capped.lastDecision()).contains("daily top-up cap");
        assertThat(fundings.recent(FundingPurpose.SIGNER_TOPUP, signer.address(), 10))
                .hasSize(1);
        assertThat(net.chain.latestNonce(treasury.address())).isEqualTo(nonceBefore.add(BigInteger.ONE));

        // the next UTC day has a fresh cap: topped up to the target (48 h)
        clock.advance(Duration.ofHours(12));
        meter(signer.address(), FACE.multiply(BigInteger.valueOf(6)));
        restarted.run();
        mined(fundings.recent(FundingPurpose.SIGNER_TOPUP, signer.address(), 1)
                .get(0)
                .txHash());
        restarted.run();
        List<Funding> all = fundings.recent(FundingPurpose.SIGNER_TOPUP, signer.address(), 10);
        assertThat(all).hasSize(2);
        assertThat(all.get(0).state()).isEqualTo(FundingState.CONFIRMED);
        assertThat(all.get(0).depositWei()).isEqualTo(FACE.multiply(BigInteger.valueOf(26)));
        assertThat(protocol.ticketBroker().senderInfo(signer.address()).deposit())
                .isEqualTo(FACE.multiply(BigInteger.valueOf(48)));
    }

    @Test
    void autofund_tops_up_the_payout_keys_deposit_from_below_the_watermark_after_a_dry_run() throws Exception {
        PayoutKey payoutKey = LivepeerTestChain.freshKey(net.chain, BigInteger.TEN.pow(18));
        EscrowSettings dry = settings(List.of(), false, true, true);

        EscrowCycle.Report dryRun =
                cycle(dry, Optional.empty(), Optional.of(payoutKey), null).run();
        assertThat(dryRun.autofundDecision())
                .hasValueSatisfying(
                        d -> assertThat(d).startsWith("dry run: would fund").contains("20000000000000000"));
        assertThat(new Fundings(db, clock).countByState().values()).allMatch(n -> n == 0);
        assertThat(net.chain.latestNonce(payoutKey.address())).isZero();

        EscrowCycle live =
                cycle(settings(List.of(), false, true, false), Optional.empty(), Optional.of(payoutKey), null);
        Funding sent = live.run().fundings().get(0);
        mined(sent.txHash());
        assertThat(sent.purpose()).isEqualTo(FundingPurpose.PAYOUT_DEPOSIT);
        assertThat(sent.beneficiary()).isEqualTo(payoutKey.address());
        assertThat(sent.fromAddress()).isEqualTo(payoutKey.address());
        assertThat(sent.valueWei()).isEqualTo(FACE.multiply(BigInteger.valueOf(20)));
        EscrowCycle.Report next = live.run();
        assertThat(next.fundings()).singleElement().extracting(Funding::state).isEqualTo(FundingState.CONFIRMED);
        assertThat(next.autofundDecision())
                .hasValueSatisfying(d -> assertThat(d).contains("not below"));
        assertThat(protocol.ticketBroker().senderInfo(payoutKey.address()).deposit())
                .isEqualTo(FACE.multiply(BigInteger.valueOf(20)));
        assertThat(net.chain.latestNonce(payoutKey.address())).isEqualTo(BigInteger.ONE);
    }

    @Test
    void a_stuck_funding_is_replaced_with_a_fee_bump_under_the_cap_and_funds_once() throws Exception {
        PayoutKey payoutKey = LivepeerTestChain.freshKey(net.chain, BigInteger.TEN.pow(18));
        EscrowCycle cycle =
                cycle(settings(List.of(), false, true, false), Optional.empty(), Optional.of(payoutKey), null);
        Fundings fundings = new Fundings(db, clock);
        anvil.automine(false);
        try {
            Funding first = cycle.run().fundings().get(0);
            assertThat(first.state()).isEqualTo(FundingState.BROADCAST);

            clock.advance(STUCK_AFTER.minusSeconds(1));
            EscrowCycle.Report early = cycle.run();
            assertThat(early.fundings()).singleElement().satisfies(f -> {
                assertThat(f.replacements()).as("not stuck yet").isZero();
                assertThat(f.txHash()).isEqualTo(first.txHash());
            });
            assertThat(early.autofundDecision())
                    .hasValueSatisfying(
                            d -> assertThat(d).contains(first.fundingId()).contains("still"));

            clock.advance(Duration.ofSeconds(1));
            Funding replaced = cycle.run().fundings().get(0);
            assertThat(replaced.replacements()).isEqualTo(1);
            assertThat(replaced.txHash()).isNotEqualTo(first.txHash());
            assertThat(replaced.nonce()).isEqualTo(first.nonce());
            assertThat(replaced.state()).isEqualTo(FundingState.BROADCAST);
            assertThat(replaced.lastError()).isNull();
            List<FundingAttempt> attempts = fundings.attempts(first.fundingId());
            assertThat(attempts).extracting(FundingAttempt::txHash).containsExactly(first.txHash(), replaced.txHash());
            Fees before = Chain.decode(attempts.get(0).rawTx()).fees();
            Fees after = Chain.decode(attempts.get(1).rawTx()).fees();
            assertThat(after.maxFeePerGas())
                    .isGreaterThanOrEqualTo(before.bump(12).maxFeePerGas());
            assertThat(after.maxPriorityFeePerGas())
                    .isGreaterThanOrEqualTo(before.bump(12).maxPriorityFeePerGas());
            assertThat(Chain.decode(attempts.get(1).rawTx()).value()).isEqualTo(first.valueWei());

            anvil.mine(1);
            mined(replaced.txHash());
            EscrowCycle.Report done = cycle.run();

            assertThat(done.fundings()).singleElement().satisfies(f -> {
                assertThat(f.state()).isEqualTo(FundingState.CONFIRMED);
                assertThat(f.txHash()).isEqualTo(replaced.txHash());
            });
            assertThat(done.autofundDecision())
                    .hasValueSatisfying(d -> assertThat(d).contains("not below"));
            assertThat(net.chain.receipt(first.txHash()))
                    .as("the original was replaced")
                    .isEmpty();
            assertThat(net.chain.latestNonce(payoutKey.address()))
                    .as("one transaction on chain")
                    .isEqualTo(1);
            assertThat(protocol.ticketBroker().senderInfo(payoutKey.address()).deposit())
                    .as("funded once")
                    .isEqualTo(FACE.multiply(BigInteger.valueOf(20)));
            assertThat(fundings.recent(FundingPurpose.PAYOUT_DEPOSIT, payoutKey.address(), 10))
                    .hasSize(1);
        } finally {
            anvil.automine(true);
        }
    }

    @Test
    void the_original_mined_after_its_replacement_was_stored_confirms_the_funding_once() throws Exception {
        PayoutKey payoutKey = LivepeerTestChain.freshKey(net.chain, BigInteger.TEN.pow(18));
        EscrowSettings live = settings(List.of(), false, true, false);
        AtomicInteger stored = new AtomicInteger();
        EscrowCycle crashing = cycle(live, Optional.empty(), Optional.of(payoutKey), f -> {
            if (stored.incrementAndGet() == 2) {
                throw new IllegalStateException("simulated crash between storing the replacement and its broadcast");
            }
        });
        Fundings fundings = new Fundings(db, clock);
        anvil.automine(false);
        try {
            Funding first = crashing.run().fundings().get(0);
            clock.advance(STUCK_AFTER);
            assertThatThrownBy(crashing::run).hasMessageContaining("simulated crash");
            Funding open = fundings.open().get(0);
            assertThat(open.replacements()).isEqualTo(1);
            String replacement = open.txHash();
            assertThat(replacement).isNotEqualTo(first.txHash());

            anvil.mine(1); // the node only ever had the original
            mined(first.txHash());
            EscrowCycle.Report restarted =
                    cycle(live, Optional.empty(), Optional.of(payoutKey), null).run();

            assertThat(restarted.fundings()).singleElement().satisfies(f -> {
                assertThat(f.state()).isEqualTo(FundingState.CONFIRMED);
                assertThat(f.txHash())
                        .as("confirmed by the attempt that was mined")
                        .isEqualTo(first.txHash());
            });
            assertThat(restarted.autofundDecision())
                    .hasValueSatisfying(d -> assertThat(d).contains("not below"));
            assertThat(net.chain.receipt(replacement)).isEmpty();
            assertThat(net.chain.latestNonce(payoutKey.address())).isEqualTo(1);
            assertThat(protocol.ticketBroker().senderInfo(payoutKey.address()).deposit())
                    .isEqualTo(FACE.multiply(BigInteger.valueOf(20)));
        } finally {
            anvil.automine(true);
        }
    }

    @Test
    void a_stuck_funding_is_never_replaced_above_the_fee_cap() throws Exception {
        PayoutKey payoutKey = LivepeerTestChain.freshKey(net.chain, BigInteger.TEN.pow(18));
        // the cap is the market fee itself: the funding fits, a 12 % bump does not
        BigInteger market = net.chain.suggestFees().maxFeePerGas();
        EscrowCycle cycle =
                cycle(settings(List.of(), false, true, false, market), Optional.empty(), Optional.of(payoutKey), null);
        anvil.automine(false);
        try {
            Funding first = cycle.run().fundings().get(0);
            clock.advance(STUCK_AFTER);

            Funding after = cycle.run().fundings().get(0);

            assertThat(after.state()).isEqualTo(FundingState.BROADCAST);
            assertThat(after.replacements()).isZero();
            assertThat(after.txHash()).isEqualTo(first.txHash());
            assertThat(after.lastError()).contains("above the cap " + market);
            anvil.mine(1);
            mined(first.txHash());
            assertThat(cycle.run().fundings())
                    .singleElement()
                    .extracting(Funding::state)
                    .isEqualTo(FundingState.CONFIRMED);
        } finally {
            anvil.automine(true);
        }
    }

    // ---- helpers ----

    /** Waits until anvil has mined the transaction (automine answers at once, but not necessarily before we ask). */
    private void mined(String txHash) {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> net.chain.receipt(txHash).isPresent());
    }

    /** A fresh signer whose deposit and reserve a third party funded. */
    private PayoutKey fundedSigner(BigInteger deposit, BigInteger reserve) {
        PayoutKey signer = LivepeerTestChain.freshKey(net.chain, BigInteger.ZERO);
        net.transact(
                net.owner,
                net.broker,
                deposit.add(reserve),
                TicketBroker.fundDepositAndReserveFor(signer.address(), deposit, reserve));
        return signer;
    }

    /** Redeems {@code n} always-winning tickets of face value {@link #FACE} signed by {@code signer}. */
    private void redeem(PayoutKey signer, int n) {
        TicketSigner tickets = new TicketSigner(signer, new SecureRandom());
        for (int i = 0; i < n; i++) {
            BigInteger round = protocol.currentRound();
            SignedTicket ticket = tickets.alwaysWinning(orchestrator, FACE, round, protocol.blockHashForRound(round));
            net.transact(net.owner, net.broker, BigInteger.ZERO, TicketBroker.redeemWinningTicket(ticket));
        }
    }

    /** Meters {@code total} wei of fee_wei for {@code payer} through the outbox, spread over the burn window. */
    private void meter(String payer, BigInteger total) throws Exception {
        List<OutboxEntry> entries = new ArrayList<>();
        BigInteger part = total.divide(BigInteger.valueOf(3));
        for (int i = 0; i < 3; i++) {
            BigInteger fee = i == 2 ? total.subtract(part.multiply(BigInteger.TWO)) : part;
            entries.add(new OutboxEntry(
                    UUID.randomUUID().toString(),
                    "customer-1",
                    "live-video-to-video",
                    "unknown",
                    clock.instant().minus(Duration.ofHours(1 + 2L * i)),
                    fee,
                    BigDecimal.ONE,
                    BigDecimal.ONE,
                    new BigDecimal("3000"),
                    "{}",
                    orchestrator,
                    null,
                    payer,
                    OutboxEntry.UsdAudit.NONE));
        }
        new OutboxWriter(db).append(entries, clock.instant());
    }

    private EscrowCycle cycle(
            EscrowSettings settings,
            Optional<PayoutKey> treasury,
            Optional<PayoutKey> payoutKey,
            EscrowFunder.BeforeBroadcast hook) {
        Fundings fundings = new Fundings(db, clock);
        EscrowChain chain = new EscrowChain(settings);
        return new EscrowCycle(
                settings,
                new EscrowSigners(db),
                fundings,
                chain,
                treasury,
                payoutKey,
                broker -> new EscrowFunder(
                        fundings,
                        chain.chain().orElseThrow(),
                        broker,
                        EscrowFunder.Options.of(settings),
                        clock,
                        hook == null ? f -> {} : hook),
                clock);
    }

    private EscrowSettings settings(List<String> signers, boolean topUp, boolean autofund, boolean dryRun) {
        return settings(signers, topUp, autofund, dryRun, BigInteger.valueOf(100_000_000_000L));
    }

    private EscrowSettings settings(
            List<String> signers, boolean topUp, boolean autofund, boolean dryRun, BigInteger maxFeePerGasWei) {
        KeySource none = new KeySource(Optional.empty(), Optional.empty(), Optional.empty(), "UNSET_TEST_KEY", "test");
        return new EscrowSettings(
                signers,
                Optional.of(anvil.rpcUrl()),
                Anvil.CHAIN_ID,
                net.broker,
                Duration.ofMillis(50),
                Duration.ofMinutes(5),
                WINDOW,
                15,
                5,
                dryRun,
                1,
                maxFeePerGasWei,
                STUCK_AFTER,
                12,
                topUp,
                24,
                48,
                BigInteger.ZERO,
                FACE.multiply(BigInteger.valueOf(30)),
                none,
                autofund,
                FACE.multiply(BigInteger.TEN),
                FACE.multiply(BigInteger.valueOf(20)),
                FACE.multiply(BigInteger.valueOf(100)),
                none);
    }
}
