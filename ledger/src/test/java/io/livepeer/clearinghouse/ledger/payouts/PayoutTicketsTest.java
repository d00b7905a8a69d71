package io.livepeer.clearinghouse.ledger.payouts;

import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.AMOUNT;
import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.CLOCK;
import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.KEY;
import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.attempt;
import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.balance;
import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.credit;
import static io.livepeer.clearinghouse.ledger.payouts.PayoutIntentsTest.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.Outcome;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.StoredTicket;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.Unredeemed;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The livepeer_ticket store (V18) on H2 and PostgreSQL: one ticket per intent, batches durable, settled per ticket. */
class PayoutTicketsTest {

    static final String BROKER = "0x" + "bb".repeat(20);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static String recipient(int i) {
        return "0x" + String.format("%040x", i + 1000);
    }

    static StoredTicket ticket(String intentId, int i, String tag) {
        return new StoredTicket(
                intentId,
                "0x"
                        + String.format("%064x", new BigInteger(1, (tag + intentId).getBytes()))
                                .substring(0, 64),
                recipient(i),
                KEY,
                AMOUNT,
                BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE),
                BigInteger.valueOf(i),
                BigInteger.valueOf(100 + i),
                "0x" + "11".repeat(32),
                "0x" + "22".repeat(64),
                BigInteger.ONE,
                "0x" + "33".repeat(65),
                Outcome.PENDING,
                null,
                null,
                null,
                false);
    }

    /** Three credited orchestrators, each with a planned livepeer_ticket intent and its stored ticket. */
    static List<String> planned(Database db, Ledger ledger, String prefix) throws Exception {
        PayoutIntents intents = new PayoutIntents(db, CLOCK);
        PayoutTickets tickets = new PayoutTickets(db, CLOCK);
        for (int i = 0; i < 3; i++) {
            String orchestrator = prefix + "-orch-" + i;
            credit(ledger, orchestrator, AMOUNT);
            intents.plan(prefix + "-pay-" + i, orchestrator, recipient(i), AMOUNT, "livepeer_ticket", "plan");
            tickets.store(ticket(prefix + "-pay-" + i, i, "first"));
        }
        return List.of(prefix + "-pay-0", prefix + "-pay-1", prefix + "-pay-2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_batch_is_stored_before_broadcast_and_settled_ticket_by_ticket(JdbcTarget target) throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            PayoutTickets tickets = new PayoutTickets(db, CLOCK);
            List<String> ids = planned(db, ledger, "b");
            StoredTicket first = tickets.ticket(ids.get(0)).orElseThrow();
            assertThat(tickets.store(ticket(ids.get(0), 0, "second")).ticketHash())
                    .as("an intent keeps its first ticket")
                    .isEqualTo(first.ticketHash());
            assertThat(tickets.pool()).extracting(StoredTicket::intentId).containsExactlyInAnyOrderElementsOf(ids);

            PayoutTickets.Batch batch = tickets.signBatch(
                    "batch-1", 42161, KEY, BROKER, BigInteger.valueOf(4), ids, nonce -> attempt(nonce, "t"));
            assertThat(batch.nonce()).isEqualTo(4);
            assertThat(batch.faceValueWei()).isEqualTo(AMOUNT.multiply(BigInteger.valueOf(3)));
            assertThat(tickets.attempts("batch-1"))
                    .singleElement()
                    .satisfies(a -> assertThat(a.txHash()).isEqualTo(batch.txHash()));
            for (String id : ids) {
                PayoutIntent signed = intents.get(id).orElseThrow();
                assertThat(signed.state()).isEqualTo(PayoutState.SIGNED);
                assertThat(signed.txHash()).isEqualTo(batch.txHash());
                assertThat(tickets.ticket(id).orElseThrow().revealed()).isTrue();
            }
            assertThat(tickets.pool()).isEmpty();
            assertThat(intents.nextNonce(42161, KEY)).contains(BigInteger.valueOf(5));
            assertThatThrownBy(() -> tickets.refuse(ids.get(0), "late"))
                    .as("a sent ticket is never refused")
                    .isInstanceOf(PayoutIntents.InvalidTransition.class);
            assertThatThrownBy(() -> intents.cancel(ids.get(0), "operator"))
                    .isInstanceOf(PayoutIntents.InvalidTransition.class);
            tickets.markBroadcast("batch-1");
            assertThat(intents.get(ids.get(1)).orElseThrow().state()).isEqualTo(PayoutState.BROADCAST);

            Map<String, Unredeemed> others = Map.of(ids.get(1), Unredeemed.FAIL, ids.get(2), Unredeemed.RETRY);
            Map<String, String> reasons = Map.of(ids.get(1), "expired", ids.get(2), "no log");
            tickets.settle("batch-1", batch.txHash(), 9, "0xblock", false, Set.of(ids.get(0)), others, reasons, ledger);
            tickets.settle("batch-1", batch.txHash(), 9, "0xblock", false, Set.of(ids.get(0)), others, reasons, ledger);

            assertThat(intents.get(ids.get(0)).orElseThrow().state()).isEqualTo(PayoutState.CONFIRMED);
            assertThat(tickets.ticket(ids.get(0)).orElseThrow().outcome()).isEqualTo(Outcome.REDEEMED);
            assertThat(ledger.transfer(ids.get(0))).as("debited once").isPresent();
            assertThat(balance(ledger, "b-orch-0")).isZero();
            PayoutIntent failed = intents.get(ids.get(1)).orElseThrow();
            assertThat(failed.state()).isEqualTo(PayoutState.FAILED);
            assertThat(failed.failureReason()).isEqualTo("expired");
            assertThat(tickets.ticket(ids.get(1)).orElseThrow().outcome()).isEqualTo(Outcome.FAILED);
            assertThat(balance(ledger, "b-orch-1")).isEqualTo(AMOUNT);
            assertThat(intents.get(ids.get(2)).orElseThrow().state().isOpen())
                    .as("a ticket that may still be redeemed keeps its intent open")
                    .isTrue();
            assertThat(tickets.pool()).singleElement().satisfies(t -> {
                assertThat(t.intentId()).isEqualTo(ids.get(2));
                assertThat(t.waitingReason()).isEqualTo("retry: no log");
            });
            assertThat(balance(ledger, "b-orch-2")).isEqualTo(AMOUNT);

            PayoutTickets.Batch retry = tickets.signBatch(
                    "batch-2", 42161, KEY, BROKER, BigInteger.ZERO, List.of(ids.get(2)), nonce -> attempt(nonce, "r"));
            assertThat(retry.nonce()).isEqualTo(5);
            assertThat(tickets.ticket(ids.get(2)).orElseThrow().ticketHash())
                    .as("the same ticket is retried")
                    .isEqualTo(ticket(ids.get(2), 2, "first").ticketHash());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_ticket_refused_before_sending_fails_its_intent_and_a_failed_signing_stores_nothing(JdbcTarget target)
            throws Exception {
        try (Database db = open(target)) {
            Ledger ledger = new Ledger(db, CLOCK);
            PayoutIntents intents = new PayoutIntents(db, CLOCK);
            PayoutTickets tickets = new PayoutTickets(db, CLOCK);
            List<String> ids = planned(db, ledger, "r");

            assertThatThrownBy(() -> tickets.signBatch("batch-x", 42161, KEY, BROKER, BigInteger.ZERO, ids, nonce -> {
                        throw new IllegalStateException("signer down");
                    }))
                    .hasMessageContaining("signer down");
            assertThat(tickets.batch("batch-x")).isEmpty();
            assertThat(tickets.pool()).hasSize(3);
            assertThat(intents.get(ids.get(0)).orElseThrow().state()).isEqualTo(PayoutState.PLANNED);

            PayoutIntent refused = tickets.refuse(ids.get(0), "recipient is not a registered transcoder");
            assertThat(refused.state()).isEqualTo(PayoutState.FAILED);
            assertThat(refused.failureReason()).contains("not a registered transcoder");
            assertThat(tickets.ticket(ids.get(0)).orElseThrow().outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(tickets.stats().refused()).isEqualTo(1);
            assertThat(balance(ledger, "r-orch-0")).isEqualTo(AMOUNT);
            assertThat(intents.plan("r-pay-again", "r-orch-0", recipient(0), AMOUNT, "livepeer_ticket", "plan-2")
                            .state())
                    .as("the orchestrator can be planned again")
                    .isEqualTo(PayoutState.PLANNED);

            tickets.waiting(ids.get(1), "waiting_for_coverage: deposit too low");
            assertThat(tickets.stats().waitingForCoverage()).isEqualTo(1);
            assertThat(tickets.stats().waitingFaceValueWei()).isEqualTo(AMOUNT);
            assertThatThrownBy(() -> tickets.store(ticket("r-pay-eth", 5, "x")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
