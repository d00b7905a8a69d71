package io.livepeer.clearinghouse.routes.payouts;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.ledger.payouts.SignedAttempt;
import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The eth_transfer payout engine against a real chain (anvil) and a real database: paid once, debited once, through
 * crashes, stuck transactions, reverts and a reorg.
 */
@ExtendWith(AnvilExtension.class)
class EthTransferPayoutsOnAnvilTest {

    private static final BigInteger AMOUNT = new BigInteger("5000000000000000"); // 0.005 ETH
    private static final BigInteger GWEI_100 = BigInteger.valueOf(100_000_000_000L);
    private static final EthTransferPayouts.Options OPTIONS =
            new EthTransferPayouts.Options(1, GWEI_100, 10, Duration.ofMinutes(5), 10);

    private final Anvil anvil;
    private final TestDatabases.JdbcTarget target = TestDatabases.h2();
    private final MutableClock clock = new MutableClock();
    private final PayoutKey key;
    private Database db;
    private Chain chain;

    EthTransferPayoutsOnAnvilTest(Anvil anvil) {
        this.anvil = anvil;
        // a fresh funded key per test: dev account 9 funds it, so tests never share nonces
        this.key = PayoutKey.ofHex(
                "0x" + UUID.randomUUID().toString().replace("-", "").repeat(2), "test key");
    }

    @BeforeEach
    void start() throws Exception {
        anvil.automine(true);
        db = openDatabase();
        chain = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50));
        PayoutKey treasury = PayoutKey.ofHex(Anvil.DEV_KEYS.get(9), "anvil dev account 9");
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
        chain.close();
        db.close();
    }

    private Database openDatabase() {
        return Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
    }

    private EthTransferPayouts engine(Database database, Chain on, EthTransferPayouts.Options options) {
        return new EthTransferPayouts(
                new PayoutIntents(database, clock), new Ledger(database, clock), on, key, options, clock);
    }

    private static String newRecipient() {
        return "0x"
                + UUID.randomUUID()
                        .toString()
                        .replace("-", "")
                        .substring(0, 20)
                        .repeat(2)
                        .toLowerCase(Locale.ROOT);
    }

    private PayoutIntent planned(String orchestrator, String recipient, BigInteger amount) throws Exception {
        Ledger ledger = new Ledger(db, clock);
        ledger.post(new NewTransfer(
                "earned-" + orchestrator,
                AccountKeys.IMPORT_WEI,
                AccountKeys.orchestrator(orchestrator),
                new BigDecimal(amount),
                TransferKind.IMPORT,
                null,
                null,
                null));
        return new PayoutIntents(db, clock)
                .plan("payout-" + orchestrator, orchestrator, recipient, amount, "eth_transfer", null);
    }

    /**
     * Runs engine passes until the intent reaches {@code state} (anvil mines at once, but under a loaded machine its
     * receipt can lag the broadcast by a pass).
     */
    private void advanceUntil(EthTransferPayouts engine, String intentId, PayoutState state) {
        PayoutIntents intents = new PayoutIntents(db, clock);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    engine.advanceAll();
                    return intents.get(intentId).orElseThrow().state() == state;
                });
    }

    private BigInteger ledgerBalance(String orchestrator) throws Exception {
        var account = new Ledger(db, clock)
                .account(AccountKeys.orchestrator(orchestrator))
                .orElseThrow();
        return account.creditsPosted().subtract(account.debitsPosted()).toBigIntegerExact();
    }

    private long settlements(String intentId) throws Exception {
        return new Ledger(db, clock).transfer(intentId).stream().count();
    }

    @Test
    void credit_plan_approve_pay_end_to_end_debits_once_and_credits_during_the_payout_survive() throws Exception {
        String recipient = newRecipient();
        OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
        store.register(Registration.of("orch-e2e", recipient), "register");
        store.credit("orch-e2e", AMOUNT, "session-1", "session", Map.of());
        PayoutPlanner planner =
                new PayoutPlanner(store, new PayoutIntents(db, clock), BigInteger.TEN.pow(15), "eth_transfer");
        PayoutPlan plan = planner.plan();
        assertThat(plan.entries())
                .singleElement()
                .satisfies(e -> assertThat(e.amountWei()).isEqualTo(AMOUNT));

        PayoutIntent intent = planner.approve(plan.hash()).get(0);
        store.credit("orch-e2e", BigInteger.valueOf(777), "session-2", "session", Map.of()); // arrives mid-payout
        advanceUntil(engine(db, chain, OPTIONS), intent.intentId(), PayoutState.CONFIRMED);

        assertThat(new PayoutIntents(db, clock)
                        .get(intent.intentId())
                        .orElseThrow()
                        .state())
                .isEqualTo(PayoutState.CONFIRMED);
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(store.balanceWei("orch-e2e")).isEqualTo(777);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(planner.plan().entries())
                .as("777 wei is below the threshold")
                .isEmpty();
        PayoutIntent paid = new PayoutIntents(db, clock).get(intent.intentId()).orElseThrow();
        PayoutStatement statement = PayoutStatement.of(
                store,
                new Ledger(db, clock),
                new PayoutIntents(db, clock),
                "orch-e2e",
                java.time.YearMonth.from(paid.confirmedAt().atZone(java.time.ZoneOffset.UTC)));
        assertThat(statement.lines())
                .filteredOn(l -> l.type().equals("payout"))
                .singleElement()
                .satisfies(l -> {
                    assertThat(l.transferId()).isEqualTo(intent.intentId());
                    assertThat(l.amountWei()).isEqualTo(AMOUNT.negate());
                    assertThat(l.txHash()).isEqualTo(paid.txHash());
                });
        assertThat(statement.creditsWei()).isEqualTo(AMOUNT.add(BigInteger.valueOf(777)));
        assertThat(statement.netWei()).isEqualTo(777);
    }

    @Test
    void a_planned_payout_is_paid_on_chain_and_debited_once() throws Exception {
        String recipient = newRecipient();
        PayoutIntent intent = planned("orch-paid", recipient, AMOUNT);
        EthTransferPayouts engine = engine(db, chain, OPTIONS);

        engine.advance(intent.intentId());
        advanceUntil(engine, intent.intentId(), PayoutState.CONFIRMED);
        engine.advanceAll();
        PayoutIntent done = new PayoutIntents(db, clock).get(intent.intentId()).orElseThrow();

        assertThat(done.state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(ledgerBalance("orch-paid")).isZero();
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(chain.latestNonce(key.address()))
                .as("one transaction from the key")
                .isEqualTo(1);
        assertThat(chain.receipt(done.txHash()))
                .hasValueSatisfying(r -> assertThat(r.getBlockHash()).isEqualTo(done.blockHash()));
    }

    @Test
    void a_crash_after_broadcast_and_before_the_receipt_pays_once_after_restart() throws Exception {
        String recipient = newRecipient();
        PayoutIntent intent = planned("orch-crash", recipient, AMOUNT);
        anvil.automine(false);
        PayoutIntent sent = engine(db, chain, OPTIONS).advance(intent.intentId());
        assertThat(sent.state()).isEqualTo(PayoutState.BROADCAST);
        // the process dies here: its database pool and node client go away with it
        db.close();
        chain.close();
        anvil.mine(1);

        db = openDatabase();
        chain = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50));
        anvil.automine(true);
        EthTransferPayouts restarted = engine(db, chain, OPTIONS);
        restarted.advanceAll();
        restarted.advanceAll();

        PayoutIntent after = new PayoutIntents(db, clock).get(intent.intentId()).orElseThrow();
        assertThat(after.state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(after.txHash()).isEqualTo(sent.txHash());
        assertThat(chain.latestNonce(key.address()))
                .as("one transaction on chain")
                .isEqualTo(1);
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(ledgerBalance("orch-crash")).isZero();
    }

    @Test
    void a_crash_between_signing_and_broadcast_sends_the_stored_transaction_after_restart() throws Exception {
        String recipient = newRecipient();
        PayoutIntent intent = planned("orch-signed", recipient, AMOUNT);
        PayoutIntents intents = new PayoutIntents(db, clock);
        // what the engine does before broadcasting, then the process dies
        PayoutIntent signed = intents.sign(
                intent.intentId(), chain.chainId(), key.address(), chain.pendingNonce(key.address()), nonce -> {
                    SignedTransaction tx = chain.sign(
                            key, nonce, recipient, AMOUNT, "0x", EthTransferPayouts.TRANSFER_GAS, chain.suggestFees());
                    return new SignedAttempt(
                            tx.hash(),
                            tx.raw(),
                            nonce,
                            tx.gasLimit(),
                            tx.fees().maxFeePerGas(),
                            tx.fees().maxPriorityFeePerGas());
                });
        assertThat(chain.receipt(signed.txHash())).isEmpty();

        EthTransferPayouts restarted = engine(db, chain, OPTIONS);
        restarted.advance(intent.intentId());
        // anvil mines at once, but under load its receipt can lag the broadcast: a later pass confirms
        advanceUntil(restarted, intent.intentId(), PayoutState.CONFIRMED);
        PayoutIntent after = intents.get(intent.intentId()).orElseThrow();

        assertThat(after.state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(after.txHash()).isEqualTo(signed.txHash());
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
    }

    @Test
    void a_stuck_transaction_is_replaced_with_a_fee_bump_within_the_cap_and_paid_once() throws Exception {
        String recipient = newRecipient();
        PayoutIntent intent = planned("orch-stuck", recipient, AMOUNT);
        anvil.automine(false);
        EthTransferPayouts engine = engine(db, chain, OPTIONS);
        PayoutIntent first = engine.advance(intent.intentId());
        engine.advance(intent.intentId());
        assertThat(new PayoutIntents(db, clock)
                        .get(intent.intentId())
                        .orElseThrow()
                        .replacements())
                .as("not stuck yet")
                .isZero();

        clock.advance(Duration.ofMinutes(5));
        PayoutIntent replaced = engine.advance(intent.intentId());
        assertThat(replaced.replacements()).isEqualTo(1);
        assertThat(replaced.txHash()).isNotEqualTo(first.txHash());
        assertThat(replaced.nonce()).isEqualTo(first.nonce());
        anvil.mine(1);
        PayoutIntent done = engine.advance(intent.intentId());

        assertThat(done.state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(done.txHash()).isEqualTo(replaced.txHash());
        assertThat(chain.receipt(first.txHash()))
                .as("the original was replaced")
                .isEmpty();
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(chain.latestNonce(key.address())).isEqualTo(1);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
    }

    @Test
    void a_stuck_transaction_is_never_replaced_above_the_fee_cap() throws Exception {
        PayoutIntent intent = planned("orch-capped", newRecipient(), AMOUNT);
        anvil.automine(false);
        BigInteger market = chain.suggestFees().maxFeePerGas();
        // the cap is the market fee itself: the first transaction fits, a 10 % bump does not
        EthTransferPayouts capped =
                engine(db, chain, new EthTransferPayouts.Options(1, market, 10, Duration.ofMinutes(5), 10));
        PayoutIntent first = capped.advance(intent.intentId());
        clock.advance(Duration.ofMinutes(10));

        PayoutIntent after = capped.advance(intent.intentId());

        assertThat(after.state()).isEqualTo(PayoutState.BROADCAST);
        assertThat(after.replacements()).isZero();
        assertThat(after.txHash()).isEqualTo(first.txHash());
        anvil.mine(1);
        assertThat(capped.advance(intent.intentId()).state()).isEqualTo(PayoutState.CONFIRMED);
    }

    @Test
    void a_payout_whose_gas_would_exceed_its_share_of_the_amount_waits() throws Exception {
        PayoutIntent intent = planned("orch-dust", newRecipient(), BigInteger.valueOf(1_000));

        PayoutIntent after = engine(db, chain, OPTIONS).advance(intent.intentId());

        assertThat(after.state()).isEqualTo(PayoutState.PLANNED);
        assertThat(chain.pendingNonce(key.address())).isZero();
    }

    @Test
    void a_reverted_transfer_fails_the_intent_and_leaves_the_balance() throws Exception {
        // a contract whose code is PUSH1 0 PUSH1 0 REVERT: every plain transfer to it reverts
        SignedTransaction deploy = chain.signDeployment(
                key,
                chain.pendingNonce(key.address()),
                "0x6005600c60003960056000f360006000fd",
                BigInteger.valueOf(100_000),
                chain.suggestFees());
        String reverter = chain.awaitReceipt(chain.broadcast(deploy), Duration.ofSeconds(10))
                .getContractAddress();
        PayoutIntent intent = planned("orch-revert", reverter, AMOUNT);

        advanceUntil(engine(db, chain, OPTIONS), intent.intentId(), PayoutState.FAILED);
        PayoutIntent after = new PayoutIntents(db, clock).get(intent.intentId()).orElseThrow();

        assertThat(after.failureReason()).contains("reverted");
        assertThat(ledgerBalance("orch-revert")).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isZero();
        assertThat(new PayoutIntents(db, clock)
                        .plan("retry-orch-revert", "orch-revert", reverter, AMOUNT, "eth_transfer", null)
                        .state())
                .as("the next cycle can plan again")
                .isEqualTo(PayoutState.PLANNED);
    }

    @Test
    void a_confirmation_whose_block_is_reorged_away_is_paid_and_debited_once() throws Exception {
        String recipient = newRecipient();
        PayoutIntent intent = planned("orch-reorg", recipient, AMOUNT);
        EthTransferPayouts engine =
                engine(db, chain, new EthTransferPayouts.Options(2, GWEI_100, 10, Duration.ofMinutes(5), 10));
        String beforePayout = anvil.snapshot();
        PayoutIntent mined = engine.advance(intent.intentId());
        assertThat(mined.state()).as("mined, one confirmation of two").isEqualTo(PayoutState.BROADCAST);
        // anvil mines at once, but under load its receipt can lag the broadcast
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> chain.receipt(mined.txHash()).isPresent());

        anvil.revert(beforePayout); // the block with the payout is gone
        assertThat(chain.receipt(mined.txHash())).isEmpty();
        engine.advance(intent.intentId()); // no receipt: the stored transaction goes out again
        anvil.mine(1);
        PayoutIntent done = engine.advance(intent.intentId());

        assertThat(done.state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(done.txHash()).isEqualTo(mined.txHash());
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(ledgerBalance("orch-reorg")).isZero();
    }

    @Test
    void a_payout_whose_credit_was_reversed_meanwhile_stays_open_until_the_balance_covers_it_and_is_debited_once()
            throws Exception {
        String recipient = newRecipient();
        // a registered orchestrator's account refuses debits beyond its credits
        OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
        store.register(Registration.of("orch-reversed", recipient), "register");
        String earning = store.credit("orch-reversed", AMOUNT, "session-r", "session", Map.of())
                .transfer()
                .id();
        PayoutIntent intent = new PayoutIntents(db, clock)
                .plan("payout-orch-reversed", "orch-reversed", recipient, AMOUNT, "eth_transfer", null);
        new Ledger(db, clock).reverse(earning, "credited by mistake");
        planned("orch-other", newRecipient(), AMOUNT);
        EthTransferPayouts engine = engine(db, chain, OPTIONS);

        advanceUntil(engine, "payout-orch-other", PayoutState.CONFIRMED);
        engine.advanceAll();

        PayoutIntents intents = new PayoutIntents(db, clock);
        assertThat(intents.get(intent.intentId()).orElseThrow().state())
                .as("paid on chain, the debit waits")
                .isEqualTo(PayoutState.BROADCAST);
        assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        assertThat(settlements(intent.intentId())).isZero();
        assertThat(intents.get("payout-orch-other").orElseThrow().state())
                .as("the other payout is not held up")
                .isEqualTo(PayoutState.CONFIRMED);

        new Ledger(db, clock)
                .post(new NewTransfer(
                        "adjust-orch-reversed",
                        AccountKeys.adjustments(io.livepeer.clearinghouse.ledger.credit.Unit.WEI),
                        AccountKeys.orchestrator("orch-reversed"),
                        new BigDecimal(AMOUNT),
                        TransferKind.ADJUSTMENT,
                        null,
                        null,
                        null));
        engine.advanceAll();

        assertThat(intents.get(intent.intentId()).orElseThrow().state()).isEqualTo(PayoutState.CONFIRMED);
        assertThat(settlements(intent.intentId())).isEqualTo(1);
        assertThat(store.balanceWei("orch-reversed")).isZero();
        assertThat(chain.balance(recipient)).as("paid once").isEqualTo(AMOUNT);
    }
}
