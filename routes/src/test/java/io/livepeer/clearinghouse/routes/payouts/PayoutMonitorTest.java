package io.livepeer.clearinghouse.routes.payouts;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.livepeer.clearinghouse.ledger.payouts.SignedAttempt;
import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Payout metrics and the payouts health check, against anvil and H2: stuck payouts named, a key without gas named. */
@ExtendWith(AnvilExtension.class)
class PayoutMonitorTest {

    static final String RECIPIENT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

    private final Anvil anvil;
    private final MutableClock clock = new MutableClock();
    private final String hexKey = UUID.randomUUID().toString().replace("-", "").repeat(2);
    private final PayoutKey key = PayoutKey.ofHex("0x" + hexKey, "test key");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Database db;
    private PayoutChain chain;
    private DefaultCamelContext context;

    @TempDir
    Path dir;

    PayoutMonitorTest(Anvil anvil) {
        this.anvil = anvil;
    }

    @BeforeEach
    void open() {
        var target = TestDatabases.h2();
        db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
        context = new DefaultCamelContext();
    }

    @AfterEach
    void close() throws Exception {
        if (chain != null) {
            chain.close();
        }
        context.close();
        db.close();
    }

    private PayoutMonitor monitor(boolean withKey) throws Exception {
        Map<String, String> o = new HashMap<>();
        o.put("clearinghouse.payouts.rpc-url", anvil.rpcUrl());
        o.put("clearinghouse.payouts.chain-id", Long.toString(Anvil.CHAIN_ID));
        if (withKey) {
            o.put(
                    "clearinghouse.payouts.key-file",
                    Files.writeString(dir.resolve("k"), hexKey).toString());
        }
        PayoutSettings settings = PayoutSettingsTest.settings(o);
        PayoutIntents intents = new PayoutIntents(db, clock);
        chain = new PayoutChain(
                settings, settings.key(Map.of()), intents, new PayoutTickets(db, clock), new Ledger(db, clock), clock);
        return new PayoutMonitor(registry, intents, chain, settings, clock);
    }

    private HealthCheck.Result health(PayoutMonitor monitor) {
        PayoutsHealthCheck check = new PayoutsHealthCheck(monitor);
        check.setCamelContext(context);
        return check.call();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void a_payout_open_longer_than_the_warning_age_is_named_and_counted_but_never_down() throws Exception {
        PayoutMonitor monitor = monitor(false);
        assertThat(health(monitor).getMessage()).contains("not computed yet");
        PayoutIntents intents = new PayoutIntents(db, clock);
        intents.plan("p-old", "orch-slow", RECIPIENT, BigInteger.TEN, "eth_transfer", null);
        intents.sign(
                "p-old",
                42161,
                key.address(),
                BigInteger.ZERO,
                n -> new SignedAttempt(
                        "0x" + "ab".repeat(32), "0x00", n, BigInteger.valueOf(21000), BigInteger.TEN, BigInteger.ONE));
        intents.markBroadcast("p-old");
        intents.replace(
                "p-old",
                new SignedAttempt(
                        "0x" + "cd".repeat(32),
                        "0x01",
                        BigInteger.ZERO,
                        BigInteger.valueOf(21000),
                        BigInteger.valueOf(12),
                        BigInteger.TWO));
        clock.advance(Duration.ofMinutes(30));
        monitor.refresh();
        HealthCheck.Result young = health(monitor);
        assertThat(young.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(young.getMessage()).contains("no stuck payouts");
        assertThat(gauge("clearinghouse.payout.oldest.open.age")).isEqualTo(1800);
        assertThat(registry.get("clearinghouse.payout.intents")
                        .tag("state", "broadcast")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("clearinghouse.payout.replacements")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(gauge("clearinghouse.payout.key.balance.eth"))
                .as("no key configured")
                .isNaN();

        clock.advance(Duration.ofMinutes(31));
        monitor.refresh();
        HealthCheck.Result stuck = health(monitor);
        assertThat(stuck.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(stuck.getMessage())
                .hasValueSatisfying(m -> assertThat(m)
                        .startsWith("WARNING: 1 payout(s) open for more than PT1H")
                        .contains("p-old (orch-slow, BROADCAST for 61 min, tx 0x" + "cd".repeat(32)));
        assertThat(stuck.getDetails()).containsKey("stuck_payouts").containsEntry("broadcast", 1L);
    }

    @Test
    void a_key_without_gas_money_is_named_and_a_funded_one_is_not() throws Exception {
        PayoutMonitor monitor = monitor(true);
        monitor.refresh();
        HealthCheck.Result empty = health(monitor);
        assertThat(empty.getMessage())
                .hasValueSatisfying(m -> assertThat(m).contains("payout key " + key.address() + " cannot pay gas"));
        assertThat(gauge("clearinghouse.payout.key.can.pay.gas")).isZero();
        assertThat(gauge("clearinghouse.payout.key.balance.eth")).isZero();
        assertThat(gauge("clearinghouse.payout.deposit.eth"))
                .as("no TicketBroker on this chain")
                .isNaN();

        try (Chain c = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50))) {
            PayoutKey treasury = PayoutKey.ofHex(Anvil.DEV_KEYS.get(7), "anvil dev account 7");
            SignedTransaction fund = c.sign(
                    treasury,
                    c.pendingNonce(treasury.address()),
                    key.address(),
                    BigInteger.TEN.pow(17),
                    "0x",
                    EthTransferPayouts.TRANSFER_GAS,
                    c.suggestFees());
            c.awaitReceipt(c.broadcast(fund), Duration.ofSeconds(10));
        }
        monitor.refresh();
        assertThat(health(monitor).getMessage())
                .hasValueSatisfying(m -> assertThat(m).isEqualTo("no stuck payouts, the payout key can pay gas"));
        assertThat(gauge("clearinghouse.payout.key.can.pay.gas")).isEqualTo(1);
        assertThat(gauge("clearinghouse.payout.key.balance.eth")).isEqualTo(0.1);
        assertThat(monitor.snapshot().flatMap(PayoutMonitor.Snapshot::keyBalanceWei))
                .isEqualTo(Optional.of(BigInteger.TEN.pow(17)));
    }
}
