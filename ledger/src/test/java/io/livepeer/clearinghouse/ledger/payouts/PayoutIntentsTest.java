package io.livepeer.clearinghouse.ledger.payouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The payout intent store and nonce manager on H2 and PostgreSQL. */
class PayoutIntentsTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC);
    static final String KEY = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    static final String RECIPIENT = "0x" + "ab".repeat(20);
    static final BigInteger AMOUNT = new BigInteger("2000000000000000");

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget t) {
        return Database.open(new DatabaseConfig(t.url(), t.user(), t.password(), 8));
    }

    static SignedAttempt attempt(BigInteger nonce, String tag) {
        String hash = "0x" + String.format("%064x", new BigInteger(1, (tag + nonce).getBytes()));
        return new SignedAttempt(
                hash.substring(0, 66),
                "0x02f8" + tag,
                nonce,
                BigInteger.valueOf(21000),
                BigInteger.TEN,
                BigInteger.ONE);
    }

    static void credit(Ledger ledger, String orchestrator, BigInteger wei) throws Exception {
        ledger.post(new NewTransfer(
                "credit-" + orchestrator + "-" + wei,
                AccountKeys.IMPORT_WEI,
                AccountKeys.orchestrator(orchestrator),
                new BigDecimal(wei),
                TransferKind.IMPORT,
                null,
                null,
                null));
    }

    static BigInteger balance(Ledger ledger, String orchestrator) throws Exception {
        var account = ledger.account(AccountKeys.orchestrator(orchestrator)).orElseThrow();
        return account.creditsPosted().subtract(account.debitsPosted()).toBigIntegerExact();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_payout_is_signed_and_stored_before_broadcast_and_debited_once_on_confirmation(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            credit(ledger, "orch-1", AMOUNT.add(BigInteger.valueOf(5)));

            PayoutIntent planned = intents.plan("pay-1", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", "plan-a");
            assertThat(planned.state()).isEqualTo(PayoutState.PLANNED);

            PayoutIntent signed =
                    intents.sign("pay-1", 42161, KEY, BigInteger.valueOf(7), nonce -> attempt(nonce, "a"));
            assertThat(signed.state()).isEqualTo(PayoutState.SIGNED);
            assertThat(signed.nonce()).isEqualTo(7);
            assertThat(signed.txHash())
                    .isEqualTo(attempt(BigInteger.valueOf(7), "a").txHash());
            assertThat(intents.attempts("pay-1"))
                    .singleElement()
                    .satisfies(a -> assertThat(a.rawTx()).isEqualTo("0x02f8a"));

            assertThat(intents.markBroadcast("pay-1").state()).isEqualTo(PayoutState.BROADCAST);
            assertThat(balance(ledger, "orch-1"))
                    .as("no debit before confirmation")
                    .isEqualTo(AMOUNT.add(BigInteger.valueOf(5)));

            PayoutIntent confirmed = intents.confirm("pay-1", signed.txHash(), 100, "0xblock", ledger);
            PayoutIntent again = intents.confirm("pay-1", signed.txHash(), 100, "0xblock", ledger);

            assertThat(confirmed.state()).isEqualTo(PayoutState.CONFIRMED);
            assertThat(again.state()).isEqualTo(PayoutState.CONFIRMED);
            assertThat(balance(ledger, "orch-1"))
                    .as("debited once; the 5 wei credited since survive")
                    .isEqualTo(5);
            Transfer debit = ledger.transfer("pay-1").orElseThrow();
            assertThat(debit.kind()).isEqualTo(TransferKind.SETTLEMENT);
            assertThat(debit.debitAccount()).isEqualTo("orchestrator:orch-1");
            assertThat(debit.creditAccount()).isEqualTo(AccountKeys.SETTLEMENT_WEI);
            assertThat(debit.metadata()).contains(signed.txHash());
            assertThat(intents.open()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_orchestrator_has_at_most_one_open_payout(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            intents.plan("pay-1", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", null);

            assertThatThrownBy(() -> intents.plan("pay-2", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", null))
                    .isInstanceOf(PayoutIntents.InvalidTransition.class)
                    .hasMessageContaining("pay-1");

            intents.cancel("pay-1", "balance changed");
            assertThat(intents.plan("pay-2", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", null)
                            .state())
                    .isEqualTo(PayoutState.PLANNED);
            assertThat(intents.get("pay-1").orElseThrow().failureReason()).isEqualTo("balance changed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void nonces_are_handed_out_in_sequence_and_skip_ahead_when_the_chain_is_ahead(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            for (int i = 1; i <= 3; i++) {
                intents.plan("pay-" + i, "orch-" + i, RECIPIENT, AMOUNT, "eth_transfer", null);
            }
            // the node's pending count lags behind what we signed but have not broadcast yet: the manager wins
            assertThat(intents.sign("pay-1", 42161, KEY, BigInteger.ZERO, n -> attempt(n, "a"))
                            .nonce())
                    .isEqualTo(0);
            assertThat(intents.sign("pay-2", 42161, KEY, BigInteger.ZERO, n -> attempt(n, "b"))
                            .nonce())
                    .isEqualTo(1);
            // someone else sent from the key: the chain is ahead, so the manager skips to it
            assertThat(intents.sign("pay-3", 42161, KEY, BigInteger.TEN, n -> attempt(n, "c"))
                            .nonce())
                    .isEqualTo(10);
            assertThat(intents.nextNonce(42161, KEY)).contains(BigInteger.valueOf(11));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_failed_signing_stores_nothing_and_uses_no_nonce(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            intents.plan("pay-1", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", null);

            assertThatThrownBy(() -> intents.sign("pay-1", 42161, KEY, BigInteger.ZERO, n -> {
                        throw new IllegalStateException("signer unavailable");
                    }))
                    .hasMessageContaining("signer unavailable");

            assertThat(intents.get("pay-1").orElseThrow().state()).isEqualTo(PayoutState.PLANNED);
            assertThat(intents.attempts("pay-1")).isEmpty();
            assertThat(intents.nextNonce(42161, KEY)).contains(BigInteger.ZERO);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_replacement_keeps_the_nonce_and_either_attempt_can_confirm_but_only_one_debit_follows(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            credit(ledger, "orch-1", AMOUNT);
            intents.plan("pay-1", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", null);
            PayoutIntent first = intents.sign("pay-1", 42161, KEY, BigInteger.valueOf(3), n -> attempt(n, "a"));
            intents.markBroadcast("pay-1");

            assertThatThrownBy(() -> intents.replace("pay-1", attempt(BigInteger.valueOf(4), "b")))
                    .hasMessageContaining("nonce 3");
            PayoutIntent replaced = intents.replace("pay-1", attempt(BigInteger.valueOf(3), "b"));
            assertThat(replaced.replacements()).isEqualTo(1);
            assertThat(replaced.txHash()).isNotEqualTo(first.txHash());
            assertThat(intents.attempts("pay-1")).hasSize(2);

            // the original was mined after all
            intents.confirm("pay-1", first.txHash(), 50, "0xb", ledger);
            assertThat(intents.get("pay-1").orElseThrow().txHash()).isEqualTo(first.txHash());
            assertThat(balance(ledger, "orch-1")).isZero();
            assertThatThrownBy(() -> intents.confirm("pay-2", first.txHash(), 50, "0xb", ledger))
                    .hasMessageContaining("no payout");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_reverted_payout_fails_without_a_debit_and_a_signed_one_cannot_be_cancelled(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            credit(ledger, "orch-1", AMOUNT);
            intents.plan("pay-1", "orch-1", RECIPIENT, AMOUNT, "eth_transfer", null);
            PayoutIntent signed = intents.sign("pay-1", 42161, KEY, BigInteger.ZERO, n -> attempt(n, "a"));

            assertThatThrownBy(() -> intents.cancel("pay-1", "changed my mind"))
                    .isInstanceOf(PayoutIntents.InvalidTransition.class)
                    .hasMessageContaining("re-broadcast");
            assertThatThrownBy(() -> intents.failReverted("pay-1", "0x" + "00".repeat(32), "reverted"))
                    .hasMessageContaining("not an attempt");

            PayoutIntent failed = intents.failReverted("pay-1", signed.txHash(), "status 0 in block 12");

            assertThat(failed.state()).isEqualTo(PayoutState.FAILED);
            assertThat(balance(ledger, "orch-1")).isEqualTo(AMOUNT);
            assertThat(ledger.transfer("pay-1")).isEmpty();
            assertThatThrownBy(() -> intents.confirm("pay-1", signed.txHash(), 1, "0x", ledger))
                    .isInstanceOf(PayoutIntents.InvalidTransition.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void two_instances_signing_at_once_never_share_a_nonce(JdbcTarget target) throws Exception {
        try (Database a = open(target);
                Database b = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 8))) {
            PayoutIntents first = new PayoutIntents(a, CLOCK);
            PayoutIntents second = new PayoutIntents(b, CLOCK);
            int n = 16;
            for (int i = 0; i < n; i++) {
                first.plan("pay-" + i, "orch-" + i, RECIPIENT, AMOUNT, "eth_transfer", null);
            }
            List<Callable<BigInteger>> work = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                PayoutIntents store = i % 2 == 0 ? first : second;
                String id = "pay-" + i;
                work.add(() -> store.sign(id, 42161, KEY, BigInteger.ZERO, nonce -> attempt(nonce, id))
                        .nonce());
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<BigInteger> nonces = new ArrayList<>();
            try {
                for (Future<BigInteger> f : pool.invokeAll(work)) {
                    nonces.add(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
            Collections.sort(nonces);
            List<BigInteger> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(BigInteger.valueOf(i));
            }
            assertThat(nonces).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void bad_input_is_refused_naming_the_field(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            assertThatThrownBy(() -> intents.plan("p", "o", RECIPIENT, BigInteger.ZERO, "eth_transfer", null))
                    .hasMessageContaining("amount_wei");
            assertThatThrownBy(() -> intents.plan("p", "o", "0x12", AMOUNT, "eth_transfer", null))
                    .hasMessageContaining("recipient");
            assertThatThrownBy(() -> intents.plan("p", "o", RECIPIENT, AMOUNT, "wire", null))
                    .hasMessageContaining("strategy");
            assertThat(intents.open()).isEmpty();
        }
    }
}
