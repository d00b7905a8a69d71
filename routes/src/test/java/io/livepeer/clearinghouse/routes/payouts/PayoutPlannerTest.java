package io.livepeer.clearinghouse.routes.payouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PayoutPlannerTest {

    static final BigInteger THRESHOLD = BigInteger.TEN.pow(15);
    static final String ADDRESS_A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    static final String ADDRESS_B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    static final String ADDRESS_C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

    private final MutableClock clock = new MutableClock();
    private Database db;
    private OrchestratorStore store;
    private PayoutIntents intents;
    private PayoutPlanner planner;

    @BeforeEach
    void open() throws Exception {
        var t = TestDatabases.h2();
        db = Database.open(new DatabaseConfig(t.url(), t.user(), t.password(), 4));
        store = new OrchestratorStore(db, new Ledger(db, clock), clock);
        intents = new PayoutIntents(db, clock);
        planner = new PayoutPlanner(store, intents, THRESHOLD, "eth_transfer");
        store.register(Registration.of("orch-a", ADDRESS_A), "register");
        store.register(Registration.of("orch-b", ADDRESS_B), "register");
        store.register(Registration.of("orch-c", ADDRESS_C), "register");
    }

    @AfterEach
    void close() {
        db.close();
    }

    private void earn(String id, String wei, String transferId) throws Exception {
        store.credit(id, new BigInteger(wei), transferId, "session", Map.of());
    }

    @Test
    void a_ticket_plan_skips_a_recipient_that_is_not_a_registered_transcoder_and_a_transfer_plan_does_not_ask()
            throws Exception {
        earn("orch-a", "2000000000000000", "a-1");
        earn("orch-b", "3000000000000000", "b-1");
        java.util.List<String> asked = new java.util.ArrayList<>();
        PayoutPlanner.RecipientCheck onlyA = address -> {
            asked.add(address);
            return address.equalsIgnoreCase(ADDRESS_A)
                    ? java.util.Optional.empty()
                    : java.util.Optional.of("not_registered_transcoder");
        };

        PayoutPlan tickets = new PayoutPlanner(store, intents, THRESHOLD, "livepeer_ticket", onlyA).plan();

        assertThat(tickets.entries()).singleElement().satisfies(e -> {
            assertThat(e.orchestratorId()).isEqualTo("orch-a");
            assertThat(e.strategy()).isEqualTo("livepeer_ticket");
        });
        assertThat(tickets.skipped())
                .singleElement()
                .satisfies(k -> assertThat(k.reason()).isEqualTo("not_registered_transcoder"));
        asked.clear();
        assertThat(new PayoutPlanner(store, intents, THRESHOLD, "eth_transfer", onlyA)
                        .plan()
                        .entries())
                .hasSize(2);
        assertThat(asked).isEmpty();
    }

    @Test
    void the_plan_pays_whole_balances_at_or_above_the_threshold_and_says_why_others_wait() throws Exception {
        earn("orch-a", "3000000000000000", "t1");
        earn("orch-b", "999999999999999", "t2");
        earn("orch-c", "5000000000000000", "t3");
        store.setDenylisted("orch-c", true, "fraud");

        PayoutPlan plan = planner.plan();

        assertThat(plan.entries())
                .extracting(PayoutPlan.Entry::orchestratorId, PayoutPlan.Entry::address, PayoutPlan.Entry::amountWei)
                .containsExactly(tuple("orch-a", ADDRESS_A.toLowerCase(), new BigInteger("3000000000000000")));
        assertThat(plan.skipped())
                .extracting(PayoutPlan.Skip::orchestratorId, PayoutPlan.Skip::reason)
                .containsExactlyInAnyOrder(tuple("orch-b", "below_threshold"), tuple("orch-c", "denylisted"));
        assertThat(plan.totalWei()).isEqualTo(new BigInteger("3000000000000000"));
        assertThat(plan.hash()).hasSize(64).isEqualTo(planner.plan().hash());
        assertThat(plan.csv())
                .isEqualTo("orchestrator_id,address,amount_wei,strategy\norch-a," + ADDRESS_A.toLowerCase()
                        + ",3000000000000000,eth_transfer\n");
    }

    @Test
    void approving_the_unchanged_plan_records_one_intent_per_entry_and_only_once() throws Exception {
        earn("orch-a", "3000000000000000", "t1");
        earn("orch-b", "2000000000000000", "t2");
        String hash = planner.plan().hash();

        var created = planner.approve(hash);

        assertThat(created)
                .extracting(i -> i.orchestratorId(), i -> i.state(), i -> i.planHash())
                .containsExactly(
                        tuple("orch-a", PayoutState.PLANNED, hash), tuple("orch-b", PayoutState.PLANNED, hash));
        assertThatThrownBy(() -> planner.approve(hash))
                .as("the same approval cannot pay twice: both now have open payouts")
                .isInstanceOf(PayoutPlanner.PlanChanged.class);
        assertThat(planner.plan().skipped()).extracting(PayoutPlan.Skip::reason).containsOnly("open_payout");
    }

    @Test
    void a_plan_that_changed_since_approval_executes_nothing() throws Exception {
        earn("orch-a", "3000000000000000", "t1");
        String approved = planner.plan().hash();
        earn("orch-a", "1", "t2"); // a credit arrives between plan and run

        assertThatThrownBy(() -> planner.approve(approved))
                .isInstanceOf(PayoutPlanner.PlanChanged.class)
                .hasMessageContaining(approved);
        assertThat(intents.open()).isEmpty();
    }
}
