package io.livepeer.clearinghouse.routes.payouts;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.LivepeerTestChain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.Protocol;
import io.livepeer.clearinghouse.contracts.SharedContracts;
import io.livepeer.clearinghouse.contracts.SignedTicket;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.contracts.TicketBrokerEvents;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.Outcome;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.StoredTicket;
import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The {@code livepeer_ticket} payout engine against the real TicketBroker bytecode on anvil (one protocol deployment
 * per class; skipped with a message where {@code ../shared/contracts} is absent) and a real database: each ticket is
 * debited only on its own {@code WinningTicketRedeemed} log, once, through batches, refusals, a replay, a crash and a
 * deposit that does not cover the payouts yet.
 */
@ExtendWith(AnvilExtension.class)
class TicketPayoutsOnAnvilTest {

    private static final BigInteger AMOUNT = new BigInteger("50000000000000000"); // 0.05 ETH
    private static final BigInteger GWEI_100 = BigInteger.valueOf(100_000_000_000L);
    private static final EthTransferPayouts.Options OPTIONS =
            new EthTransferPayouts.Options(1, GWEI_100, 10, Duration.ofMinutes(5), 10);

    private static LivepeerTestChain net;

    private final Anvil anvil;
    private final TestDatabases.JdbcTarget target = TestDatabases.h2();
    private final MutableClock clock = new MutableClock();
    private final PayoutKey key;
    private Database db;
    private Chain chain;

    TicketPayoutsOnAnvilTest(Anvil anvil) {
        this.anvil = anvil;
        // a fresh key per test, so tests never share nonces or deposits
        this.key = PayoutKey.ofHex(
                "0x" + UUID.randomUUID().toString().replace("-", "").repeat(2), "test key");
    }

    @BeforeEach
    void start() {
        anvil.automine(true);
        if (net == null) {
            net = LivepeerTestChain.deploy(anvil, SharedContracts.require(), 7);
        }
        db = openDatabase();
        chain = LivepeerTestChain.connect(anvil);
        PayoutKey treasury = LivepeerTestChain.devKey(8);
        SignedTransaction fund = chain.sign(
                treasury,
                chain.pendingNonce(treasury.address()),
                key.address(),
                BigInteger.TEN.pow(18),
                "0x",
                EthTransferPayouts.TRANSFER_GAS,
                chain.suggestFees());
        chain.awaitReceipt(chain.broadcast(fund), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        anvil.automine(true);
        // null when start() skipped the test (../shared/contracts absent)
        if (chain != null) {
            chain.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private Database openDatabase() {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    private TicketPayouts engine(int batchMax) {
        return new TicketPayouts(
                new PayoutIntents(db, clock),
                new PayoutTickets(db, clock),
                new Ledger(db, clock),
                chain,
                key,
                net.broker,
                OPTIONS,
                batchMax,
                clock);
    }

    private OrchestratorStore store() {
        return new OrchestratorStore(db, new Ledger(db, clock), clock);
    }

    private PayoutPlanner planner() {
        Protocol protocol = Protocol.of(chain, net.broker);
        return new PayoutPlanner(
                store(),
                new PayoutIntents(db, clock),
                BigInteger.TEN.pow(15),
                "livepeer_ticket",
                address -> protocol.isRegisteredTranscoder(address)
                        ? Optional.empty()
                        : Optional.of("not_registered_transcoder"));
    }

    private static String newAddress() {
        return "0x"
                + UUID.randomUUID()
                        .toString()
                        .replace("-", "")
                        .substring(0, 20)
                        .repeat(2)
                        .toLowerCase(Locale.ROOT);
    }

    /** A registered orchestrator whose payout address is a registered transcoder (unless {@code transcoder} false). */
    private String orchestrator(String id, boolean transcoder) throws Exception {
        String address = newAddress();
        if (transcoder) {
            net.registerTranscoder(address);
        }
        store().register(Registration.of(id, address), "register");
        store().credit(id, AMOUNT, "earned-" + id, "session", Map.of());
        return address;
    }

    private void fundDeposit(BigInteger wei) {
        net.transact(key, net.broker, wei, TicketBroker.fundDeposit());
    }

    private void advanceUntil(TicketPayouts engine, String intentId, PayoutState state) {
        PayoutIntents intents = new PayoutIntents(db, clock);
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    engine.advanceAll();
                    return intents.get(intentId).orElseThrow().state() == state;
                });
    }

    private PayoutIntent intent(String intentId) throws Exception {
        return new PayoutIntents(db, clock).get(intentId).orElseThrow();
    }

    private StoredTicket ticket(String intentId) throws Exception {
        return new PayoutTickets(db, clock).ticket(intentId).orElseThrow();
    }

    private long settlements(String intentId) throws Exception {
        return new Ledger(db, clock).transfer(intentId).stream().count();
    }

    private PayoutIntent approvedFor(String orchestratorId) throws Exception {
        PayoutPlanner planner = planner();
        return planner.approve(planner.plan().hash()).stream()
                .filter(i -> i.orchestratorId().equals(orchestratorId))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void a_single_ticket_payout_is_redeemed_debited_once_and_listed_in_the_statement() throws Exception {
        String recipient = orchestrator("orch-t1", true);
        fundDeposit(AMOUNT.multiply(BigInteger.TWO));
        PayoutPlan plan = planner().plan();
        assertThat(plan.entries())
                .singleElement()
                .satisfies(e -> assertThat(e.strategy()).isEqualTo("livepeer_ticket"));

        PayoutIntent intent = approvedFor("orch-t1");
        TicketPayouts engine = engine(20);
        advanceUntil(engine, intent.intentId(), PayoutState.CONFIRMED);
        engine.advanceAll();

        StoredTicket ticket = ticket(intent.intentId());
        assertThat(ticket.outcome()).isEqualTo(Outcome.REDEEMED);
        assertThat(ticket.recipient()).isEqualTo(recipient);
        assertThat(ticket.sender()).isEqualTo(key.address());
        assertThat(ticket.faceValueWei()).isEqualTo(AMOUNT);
        assertThat(net.feesOf(recipient)).as("paid into the fee pool once").isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(store().balanceWei("orch-t1")).isZero();
        PayoutIntent paid = intent(intent.intentId());
        TransactionReceipt receipt = chain.receipt(paid.txHash()).orElseThrow();
        assertThat(TicketBrokerEvents.winningTicketsRedeemed(receipt, net.broker))
                .singleElement()
                .satisfies(e -> assertThat(e.ticketHash())
                        .isEqualTo(org.web3j.utils.Numeric.hexStringToByteArray(ticket.ticketHash())));

        PayoutStatement statement = PayoutStatement.of(
                store(),
                new Ledger(db, clock),
                new PayoutIntents(db, clock),
                new PayoutTickets(db, clock),
                "orch-t1",
                YearMonth.from(paid.confirmedAt().atZone(ZoneOffset.UTC)));
        assertThat(statement.lines())
                .filteredOn(l -> l.type().equals("payout"))
                .singleElement()
                .satisfies(l -> {
                    assertThat(l.amountWei()).isEqualTo(AMOUNT.negate());
                    assertThat(l.txHash()).isEqualTo(paid.txHash());
                    assertThat(l.strategy()).isEqualTo("livepeer_ticket");
                    assertThat(l.ticketHash()).isEqualTo(ticket.ticketHash());
                    assertThat(l.ticketOutcome()).isEqualTo("redeemed");
                });
    }

    @Test
    void a_batch_debits_only_tickets_with_their_own_log_refusing_an_unregistered_recipient_and_holding_a_replay()
            throws Exception {
        String a = orchestrator("orch-ba", true);
        String b = orchestrator("orch-bb", false);
        String c = orchestrator("orch-bc", true);
        String d = orchestrator("orch-bd", true);
        PayoutPlan plan = planner().plan();
        assertThat(plan.skipped())
                .as("the plan refuses the unregistered recipient up front, with the reason")
                .anySatisfy(s -> {
                    assertThat(s.orchestratorId()).isEqualTo("orch-bb");
                    assertThat(s.reason()).isEqualTo("not_registered_transcoder");
                });
        PayoutIntents intents = new PayoutIntents(db, clock);
        List<PayoutIntent> approved = planner().approve(plan.hash());
        assertThat(approved).extracting(PayoutIntent::orchestratorId).containsExactly("orch-ba", "orch-bc", "orch-bd");
        // one planned past the planner (e.g. registered then, deregistered since): the engine's pre-check refuses it
        PayoutIntent unregistered = intents.plan("payout-bb", "orch-bb", b, AMOUNT, "livepeer_ticket", "by-hand");
        fundDeposit(AMOUNT.multiply(BigInteger.TEN));

        anvil.automine(false);
        TicketPayouts engine = engine(20);
        engine.advanceAll();
        PayoutIntent refused = intents.get(unregistered.intentId()).orElseThrow();
        assertThat(refused.state()).isEqualTo(PayoutState.FAILED);
        assertThat(refused.failureReason()).contains("not a registered transcoder");
        assertThat(ticket(unregistered.intentId()).outcome()).isEqualTo(Outcome.REFUSED);
        String batchTx = intents.get(approved.get(0).intentId()).orElseThrow().txHash();
        for (PayoutIntent i : approved) {
            assertThat(intents.get(i.intentId()).orElseThrow().state()).isEqualTo(PayoutState.BROADCAST);
            assertThat(intents.get(i.intentId()).orElseThrow().txHash()).isEqualTo(batchTx);
        }
        // the batch is in the mempool: someone replays c's ticket (its recipientRand is public now) with a higher
        // tip, so it is mined first and the batch's inner redemption of it fails, swallowed by the broker
        PayoutIntent cIntent = approved.get(1);
        SignedTicket replayed = TicketPayouts.signed(ticket(cIntent.intentId()));
        PayoutKey relayer = LivepeerTestChain.devKey(6);
        var market = chain.suggestFees();
        SignedTransaction replay = chain.sign(
                relayer,
                chain.pendingNonce(relayer.address()),
                net.broker,
                BigInteger.ZERO,
                TicketBroker.encode(TicketBroker.redeemWinningTicket(replayed)),
                BigInteger.valueOf(400_000),
                new io.livepeer.clearinghouse.contracts.Fees(
                        market.maxPriorityFeePerGas().multiply(BigInteger.TEN),
                        market.maxFeePerGas().multiply(BigInteger.TEN)));
        chain.broadcast(replay);
        anvil.mine(1);
        anvil.automine(true);
        TransactionReceipt batchReceipt = chain.awaitReceipt(batchTx, Duration.ofSeconds(10));
        assertThat(batchReceipt.isStatusOK())
                .as("the batch is mined with status 1")
                .isTrue();
        assertThat(chain.awaitReceipt(replay.hash(), Duration.ofSeconds(10)).isStatusOK())
                .isTrue();
        assertThat(TicketBrokerEvents.winningTicketsRedeemed(batchReceipt, net.broker))
                .hasSize(2);

        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    engine.advanceAll();
                    return intents.get(approved.get(0).intentId()).orElseThrow().state() == PayoutState.CONFIRMED;
                });
        engine.advanceAll();

        for (PayoutIntent paid : List.of(approved.get(0), approved.get(2))) {
            assertThat(intents.get(paid.intentId()).orElseThrow().state()).isEqualTo(PayoutState.CONFIRMED);
            assertThat(ticket(paid.intentId()).outcome()).isEqualTo(Outcome.REDEEMED);
            assertThat(settlements(paid.intentId())).isEqualTo(1);
            assertThat(store().balanceWei(paid.orchestratorId())).isZero();
        }
        assertThat(net.feesOf(a)).isEqualTo(AMOUNT);
        assertThat(net.feesOf(d)).isEqualTo(AMOUNT);
        assertThat(net.feesOf(c)).as("paid once, by the replay").isEqualTo(AMOUNT);
        PayoutIntent held = intents.get(cIntent.intentId()).orElseThrow();
        assertThat(held.state().isOpen())
                .as("not confirmed without its own log, never planned again")
                .isTrue();
        assertThat(settlements(cIntent.intentId())).isZero();
        assertThat(store().balanceWei("orch-bc")).isEqualTo(AMOUNT);
        assertThat(ticket(cIntent.intentId()).waitingReason()).startsWith("held:");
        assertThat(settlements(unregistered.intentId())).isZero();
        assertThat(store().balanceWei("orch-bb"))
                .as("the refused payout's balance stays")
                .isEqualTo(AMOUNT);
        assertThat(planner().plan().entries())
                .as("nothing pays c or b twice meanwhile")
                .isEmpty();
    }

    @Test
    void a_crash_after_broadcast_and_before_the_receipt_redeems_once_and_debits_once() throws Exception {
        String recipient = orchestrator("orch-crash", true);
        fundDeposit(AMOUNT.multiply(BigInteger.TWO));
        PayoutIntent intent = approvedFor("orch-crash");
        BigInteger noncesBefore = chain.latestNonce(key.address());
        anvil.automine(false);
        engine(20).advanceAll();
        PayoutIntent sent = intent(intent.intentId());
        assertThat(sent.state()).isEqualTo(PayoutState.BROADCAST);
        String ticketHash = ticket(intent.intentId()).ticketHash();
        // the process dies here: its database pool and node client go away with it
        db.close();
        chain.close();
        anvil.mine(1);

        db = openDatabase();
        chain = LivepeerTestChain.connect(anvil);
        anvil.automine(true);
        TicketPayouts restarted = engine(20);
        restarted.advanceAll();
        restarted.advanceAll();

        PayoutIntent after = intent(intent.intentId());
        assertThat(after.state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(after.txHash()).isEqualTo(sent.txHash());
        assertThat(ticket(intent.intentId()).ticketHash()).as("the same ticket").isEqualTo(ticketHash);
        assertThat(chain.latestNonce(key.address()))
                .as("one redemption transaction")
                .isEqualTo(noncesBefore.add(BigInteger.ONE));
        assertThat(net.feesOf(recipient)).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(store().balanceWei("orch-crash")).isZero();
    }

    @Test
    void a_deposit_that_does_not_cover_the_tickets_makes_them_wait_until_it_is_funded() throws Exception {
        String recipient = orchestrator("orch-cov", true);
        fundDeposit(AMOUNT.divide(BigInteger.TWO));
        PayoutIntent intent = approvedFor("orch-cov");
        TicketPayouts engine = engine(20);
        PayoutTickets tickets = new PayoutTickets(db, clock);

        engine.advanceAll();
        engine.advanceAll();

        assertThat(intent(intent.intentId()).state()).isEqualTo(PayoutState.PLANNED);
        StoredTicket waiting = ticket(intent.intentId());
        assertThat(waiting.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(waiting.waitingReason()).startsWith("waiting_for_coverage").contains(key.address());
        assertThat(tickets.stats().waitingForCoverage()).isEqualTo(1);
        assertThat(net.feesOf(recipient)).isZero();
        assertThat(net.broker).isNotNull();
        assertThat(new TicketBroker(chain, net.broker).senderInfo(key.address()).deposit())
                .as("no partial redemption drew on the deposit")
                .isEqualTo(AMOUNT.divide(BigInteger.TWO));

        fundDeposit(AMOUNT);
        advanceUntil(engine, intent.intentId(), PayoutState.CONFIRMED);

        assertThat(ticket(intent.intentId()).ticketHash())
                .as("the same ticket, made once")
                .isEqualTo(waiting.ticketHash());
        assertThat(ticket(intent.intentId()).waitingReason()).isNull();
        assertThat(tickets.stats().waitingForCoverage()).isZero();
        assertThat(net.feesOf(recipient)).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
    }

    /** Starts the round after which every ticket made so far has expired (creation round + validity ≤ current). */
    private void expireTicketsMadeSoFar() {
        Protocol protocol = Protocol.of(chain, net.broker);
        BigInteger next = protocol.currentRound().add(protocol.ticketBroker().validityPeriod());
        net.initializeRound(next.longValueExact());
    }

    @Test
    void a_sent_ticket_that_expires_before_it_is_mined_fails_its_payout_keeps_the_balance_and_a_new_ticket_pays_it()
            throws Exception {
        String recipient = orchestrator("orch-exp", true);
        fundDeposit(AMOUNT.multiply(BigInteger.TWO));
        PayoutIntent intent = approvedFor("orch-exp");
        TicketPayouts engine = engine(20);
        anvil.automine(false);
        engine.advanceAll();
        PayoutIntent sent = intent(intent.intentId());
        assertThat(sent.state()).isEqualTo(PayoutState.BROADCAST);
        StoredTicket expiring = ticket(intent.intentId());
        // the node loses the redemption (dropped from its pool) while the rounds move past the ticket's validity
        anvil.rpc("anvil_dropTransaction", sent.txHash());
        anvil.automine(true);
        expireTicketsMadeSoFar();

        // the stored redemption goes out again (its nonce must be used), is mined and reverts: "ticket is expired"
        advanceUntil(engine, intent.intentId(), PayoutState.FAILED);

        PayoutIntent failed = intent(intent.intentId());
        assertThat(failed.failureReason()).contains("reverted").contains("the ticket has expired");
        assertThat(chain.receipt(failed.txHash()))
                .hasValueSatisfying(r -> assertThat(r.isStatusOK()).isFalse());
        StoredTicket dead = ticket(intent.intentId());
        assertThat(dead.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(dead.ticketHash()).isEqualTo(expiring.ticketHash());
        assertThat(settlements(intent.intentId())).as("not debited").isZero();
        assertThat(store().balanceWei("orch-exp")).as("the balance stays").isEqualTo(AMOUNT);
        assertThat(net.feesOf(recipient)).isZero();
        assertThat(new TicketBroker(chain, net.broker).senderInfo(key.address()).deposit())
                .as("nothing drawn on the deposit")
                .isEqualTo(AMOUNT.multiply(BigInteger.TWO));

        // the next plan pays the same balance with a new ticket of the current round
        PayoutIntent retry = approvedFor("orch-exp");
        assertThat(retry.intentId()).isNotEqualTo(intent.intentId());
        advanceUntil(engine, retry.intentId(), PayoutState.CONFIRMED);
        StoredTicket fresh = ticket(retry.intentId());
        assertThat(fresh.ticketHash()).isNotEqualTo(expiring.ticketHash());
        assertThat(fresh.creationRound()).isGreaterThan(expiring.creationRound());
        assertThat(fresh.outcome()).isEqualTo(Outcome.REDEEMED);
        assertThat(net.feesOf(recipient)).as("paid once").isEqualTo(AMOUNT);
        assertThat(settlements(retry.intentId())).isEqualTo(1);
        assertThat(store().balanceWei("orch-exp")).isZero();
        assertThat(planner().plan().entries()).isEmpty();
    }

    @Test
    void a_sent_ticket_retried_after_a_reverted_batch_that_expires_in_the_pool_fails_without_being_sent_again()
            throws Exception {
        String recipient = orchestrator("orch-exp-pool", true);
        fundDeposit(AMOUNT.multiply(BigInteger.TWO));
        PayoutIntent intent = approvedFor("orch-exp-pool");
        TicketPayouts engine = engine(20);
        PayoutTickets tickets = new PayoutTickets(db, clock);
        anvil.automine(false);
        engine.advanceAll();
        PayoutIntent sent = intent(intent.intentId());
        assertThat(sent.state()).isEqualTo(PayoutState.BROADCAST);
        anvil.rpc("anvil_dropTransaction", sent.txHash());
        anvil.automine(true);
        net.pause(true);
        try {
            // the redemption goes out again while the protocol is paused: it reverts, the ticket (revealed now, but
            // not expired and not used) goes back to the pool, where the pre-check refuses it for now
            Awaitility.await()
                    .atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        engine.advanceAll();
                        String reason = ticket(intent.intentId()).waitingReason();
                        return reason != null && reason.startsWith("pre-check:");
                    });
            assertThat(chain.receipt(sent.txHash()))
                    .hasValueSatisfying(r -> assertThat(r.isStatusOK()).isFalse());
            assertThat(intent(intent.intentId()).state().isOpen()).isTrue();
            assertThat(ticket(intent.intentId()).outcome()).isEqualTo(Outcome.PENDING);
            assertThat(tickets.pool()).extracting(StoredTicket::intentId).containsExactly(intent.intentId());
        } finally {
            net.pause(false);
        }
        BigInteger noncesBefore = chain.latestNonce(key.address());
        expireTicketsMadeSoFar();

        advanceUntil(engine, intent.intentId(), PayoutState.FAILED);

        PayoutIntent failed = intent(intent.intentId());
        assertThat(failed.failureReason()).contains("expired");
        assertThat(ticket(intent.intentId()).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(chain.latestNonce(key.address()))
                .as("the expired ticket is not sent again")
                .isEqualTo(noncesBefore);
        assertThat(settlements(intent.intentId())).isZero();
        assertThat(store().balanceWei("orch-exp-pool")).isEqualTo(AMOUNT);
        assertThat(net.feesOf(recipient)).isZero();
        assertThat(planner().plan().entries())
                .as("the next plan includes the orchestrator again")
                .singleElement()
                .satisfies(e -> assertThat(e.orchestratorId()).isEqualTo("orch-exp-pool"));
    }
}
