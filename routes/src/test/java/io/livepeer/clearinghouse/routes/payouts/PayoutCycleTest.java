package io.livepeer.clearinghouse.routes.payouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduled payouts cycle as the application wires it ({@link PayoutsConfiguration}): dry run by default,
 * paying only when unattended, and on one instance per fire when two application instances share a PostgreSQL.
 */
@ExtendWith(AnvilExtension.class)
class PayoutCycleTest {

    private static final BigInteger AMOUNT = new BigInteger("5000000000000000"); // 0.005 ETH

    private final Anvil anvil;
    private final String hexKey = UUID.randomUUID().toString().replace("-", "").repeat(2);
    private final PayoutKey key = PayoutKey.ofHex("0x" + hexKey, "test key");
    private final Clock clock = Clock.systemUTC();
    private final List<CamelContext> contexts = new ArrayList<>();
    private final List<Database> databases = new ArrayList<>();

    @TempDir
    Path dir;

    PayoutCycleTest(Anvil anvil) {
        this.anvil = anvil;
    }

    @AfterEach
    void stop() throws Exception {
        for (CamelContext c : contexts) {
            c.stop();
        }
        databases.forEach(Database::close);
    }

    /** One application instance: its own pool and Camel context, the payouts flow as the application configures it. */
    private CamelContext instance(JdbcTarget target, Map<String, String> overrides) throws Exception {
        Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
        databases.add(db);
        Properties props = new Properties();
        try (var in = PayoutCycleTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        // every instance has the same name (camel.main.name): a clustered fire finds its context by that name
        context.getCamelContextExtension().setName("clearinghouse");
        context.getPropertiesComponent().setInitialProperties(props);
        ((PropertiesComponent) context.getPropertiesComponent()).setEnvironmentVariableMode(0);
        Beans.bind(context, db);
        context.getRegistry().bind("clock", Clock.class, clock);
        Beans.bind(context, new Ledger(db, clock));
        new PayoutsConfiguration().configureCycle(context);
        contexts.add(context);
        return context;
    }

    private Map<String, String> paying(String interval) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("payout.key"), hexKey);
        Map<String, String> o = new HashMap<>();
        o.put("clearinghouse.payouts.rpc-url", anvil.rpcUrl());
        o.put("clearinghouse.payouts.chain-id", Long.toString(Anvil.CHAIN_ID));
        o.put("clearinghouse.payouts.key-file", keyFile.toString());
        o.put("clearinghouse.payouts.receipt-poll", "50ms");
        o.put("clearinghouse.payouts.interval", interval);
        o.put("clearinghouse.quartz.checkin-interval", "1s");
        return o;
    }

    private void fundKey() throws Exception {
        try (Chain chain = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50))) {
            PayoutKey treasury = PayoutKey.ofHex(Anvil.DEV_KEYS.get(8), "anvil dev account 8");
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

    private OrchestratorStore earned(Database db, String orchestrator, String recipient) throws Exception {
        OrchestratorStore store = new OrchestratorStore(db, new Ledger(db, clock), clock);
        store.register(Registration.of(orchestrator, recipient), "register");
        store.credit(orchestrator, AMOUNT, "session-" + orchestrator, "session", Map.of());
        return store;
    }

    @Test
    void the_default_cycle_is_a_dry_run_that_shows_the_plan_and_sends_nothing() throws Exception {
        JdbcTarget target = TestDatabases.h2();
        Map<String, String> overrides = paying("1h");
        CamelContext app = instance(target, overrides);
        Database db = databases.get(0);
        String recipient = newRecipient();
        earned(db, "orch-dry", recipient);
        PayoutCycle cycle = Beans.require(app, PayoutCycle.class);

        PayoutCycle.Run run = cycle.run();

        assertThat(cycle.unattended()).isFalse();
        assertThat(run.dryRun()).isTrue();
        assertThat(run.reason()).isEqualTo("dry_run");
        assertThat(run.plan().entries()).singleElement().satisfies(e -> {
            assertThat(e.orchestratorId()).isEqualTo("orch-dry");
            assertThat(e.amountWei()).isEqualTo(AMOUNT);
        });
        assertThat(cycle.lastRun()).contains(run);
        assertThat(new PayoutIntents(db, clock).recent(null, 10))
                .as("no intent recorded")
                .isEmpty();
        try (Chain chain = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50))) {
            assertThat(chain.balance(recipient)).isZero();
            assertThat(chain.latestNonce(key.address())).isZero();
        }
    }

    @Test
    void unattended_without_a_chain_or_key_is_a_dry_run_saying_so() throws Exception {
        CamelContext app = instance(TestDatabases.h2(), Map.of("clearinghouse.payouts.unattended", "true"));
        earned(databases.get(0), "orch-nochain", newRecipient());

        PayoutCycle.Run run = Beans.require(app, PayoutCycle.class).run();

        assertThat(run.dryRun()).isTrue();
        assertThat(run.reason()).isEqualTo("no_chain_or_key");
        assertThat(run.plan().entries()).hasSize(1);
        assertThat(new PayoutIntents(databases.get(0), clock).recent(null, 10)).isEmpty();
    }

    @Test
    void two_instances_on_one_postgresql_run_an_unattended_cycle_that_pays_once() throws Exception {
        fundKey();
        JdbcTarget target = TestDatabases.postgres();
        Map<String, String> overrides = paying("300ms");
        overrides.put("clearinghouse.payouts.unattended", "true");
        CamelContext a = instance(target, overrides);
        CamelContext b = instance(target, overrides);
        Database db = databases.get(0);
        String recipient = newRecipient();
        OrchestratorStore store = earned(db, "orch-cluster", recipient);
        PayoutIntents intents = new PayoutIntents(db, clock);
        PayoutCycle cycleA = Beans.require(a, PayoutCycle.class);
        PayoutCycle cycleB = Beans.require(b, PayoutCycle.class);

        a.start();
        b.start();
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        intents.recent("orch-cluster", 10).stream().anyMatch(i -> i.state() == PayoutState.CONFIRMED));
        long runsAtConfirmation = cycleA.runs() + cycleB.runs();
        await().atMost(Duration.ofSeconds(30)).until(() -> cycleA.runs() + cycleB.runs() >= runsAtConfirmation + 4);

        List<PayoutIntent> all = intents.recent("orch-cluster", 10);
        assertThat(all).singleElement().satisfies(i -> assertThat(i.amountWei()).isEqualTo(AMOUNT));
        long schedulers = db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM qrtz_scheduler_state")
                .mapTo(Long.class)
                .one());
        assertThat(schedulers).as("both instances joined one Quartz cluster").isEqualTo(2);
        assertThat(store.balanceWei("orch-cluster")).isZero();
        assertThat(new Ledger(db, clock).transfer(all.get(0).intentId()))
                .as("one debit")
                .isPresent();
        try (Chain chain = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50))) {
            assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
            assertThat(chain.latestNonce(key.address()))
                    .as("one transaction from the key")
                    .isEqualTo(1);
        }
    }
}
