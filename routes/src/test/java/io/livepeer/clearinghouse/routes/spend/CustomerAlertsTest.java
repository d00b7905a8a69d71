package io.livepeer.clearinghouse.routes.spend;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.spend.AlertStore;
import io.livepeer.clearinghouse.ledger.spend.AlertStore.Alert;
import io.livepeer.clearinghouse.ledger.spend.AlertStore.DeliveryStatus;
import io.livepeer.clearinghouse.ledger.spend.AlertStore.Rule;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Customer alerts against a local HTTP receiver and real databases: crossing and re-arming per rule, the HMAC
 * signature, retries with backoff after 500s and the delivery log, and two instances on one embedded PostgreSQL
 * raising (and delivering) one alert per crossing.
 */
class CustomerAlertsTest {

    static final String SECRET = "s3cret-for-tests";

    /** What the receiver got: body, signature header, alert id header. */
    record Received(String body, String signature, String alertId) {}

    final List<AutoCloseable> closeables = new ArrayList<>();
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    /** Status codes the receiver answers, in order; 200 once used up. */
    final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();

    HttpServer server;

    @BeforeEach
    void receiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hooks/alerts", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(
                    body,
                    exchange.getRequestHeaders().getFirst(CustomerAlerts.SIGNATURE_HEADER),
                    exchange.getRequestHeaders().getFirst(CustomerAlerts.ALERT_ID_HEADER)));
            Integer status = answers.poll();
            exchange.sendResponseHeaders(status == null ? 200 : status, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    @AfterEach
    void close() throws Exception {
        server.stop(0);
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/alerts";
    }

    AlertSettings settings(String balanceBelow, String spendAbove, Duration stoppedAfter) {
        return new AlertSettings(
                Optional.of(url()),
                SECRET,
                Optional.ofNullable(balanceBelow).map(BigDecimal::new),
                Optional.ofNullable(spendAbove).map(BigDecimal::new),
                Duration.ofMinutes(10),
                Optional.ofNullable(stoppedAfter),
                Duration.ofMinutes(30),
                3,
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(40),
                4,
                Duration.ofSeconds(5));
    }

    record Instance(Database db, Ledger ledger, CustomerAlerts alerts) {
        AlertStore store() {
            return alerts.store();
        }
    }

    Instance instance(JdbcTarget target, Clock clock, AlertSettings settings) {
        Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
        closeables.add(db);
        return new Instance(db, new Ledger(db, clock), new CustomerAlerts(new AlertStore(db, clock), settings, clock));
    }

    static void post(Instance i, String debit, String credit, String micros, TransferKind kind) throws Exception {
        i.ledger()
                .post(new NewTransfer(
                        kind + ":" + UUID.randomUUID(), debit, credit, new BigDecimal(micros), kind, null, null, null));
    }

    static void grant(Instance i, String customer, String micros) throws Exception {
        post(i, AccountKeys.GRANTS, AccountKeys.customer(customer), micros, TransferKind.GRANT);
    }

    static void use(Instance i, String customer, String micros) throws Exception {
        post(i, AccountKeys.customer(customer), AccountKeys.USAGE_REVENUE, micros, TransferKind.USAGE);
    }

    static boolean verifies(Received r, String secret) {
        return MessageDigest.isEqual(
                CustomerAlerts.signature(secret, r.body()).getBytes(StandardCharsets.UTF_8),
                r.signature() == null ? new byte[0] : r.signature().getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_balance_crossing_raises_one_signed_alert_and_re_arms_when_it_clears(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
        Instance i = instance(target, clock, settings("500", null, null));
        grant(i, "acme:kim", "1000");
        assertThat(i.alerts().evaluate()).isZero();

        use(i, "acme:kim", "600"); // balance 400 < 500: crossing
        assertThat(i.alerts().evaluate()).isEqualTo(1);
        assertThat(i.alerts().evaluate()).isZero(); // still below: the same crossing, no second alert
        clock.advance(Duration.ofMinutes(5));
        assertThat(i.alerts().evaluate()).isZero();
        assertThat(i.alerts().deliver()).isEqualTo(1);
        assertThat(i.alerts().deliver()).isZero(); // delivered once

        assertThat(received).hasSize(1);
        Received r = received.peek();
        assertThat(verifies(r, SECRET)).isTrue();
        assertThat(verifies(r, "another secret")).isFalse();
        assertThat(r.body())
                .contains("\"type\":\"customer.balance_below\"")
                .contains("\"customer_key\":\"acme:kim\"")
                .contains("\"observed_usd_micros\":\"400\"")
                .contains("\"threshold_usd_micros\":\"500\"");
        assertThat(r.alertId()).isNotBlank();
        assertThat(r.body()).contains("\"id\":\"" + r.alertId() + "\"");

        grant(i, "acme:kim", "1000"); // 1400: cleared, re-armed
        assertThat(i.alerts().evaluate()).isZero();
        Alert first = i.store().alerts(null, 10).get(0);
        assertThat(first.clearedAt()).isNotNull();
        assertThat(first.deliveryStatus()).isEqualTo(DeliveryStatus.DELIVERED);

        use(i, "acme:kim", "1000"); // 400 again: a new crossing, a new alert
        assertThat(i.alerts().evaluate()).isEqualTo(1);
        assertThat(i.alerts().deliver()).isEqualTo(1);
        assertThat(received).hasSize(2).allMatch(x -> verifies(x, SECRET));
        assertThat(received.stream().map(Received::alertId).distinct()).hasSize(2);
        assertThat(i.store().alerts("acme:kim", 10)).hasSize(2);
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void spend_in_a_window_and_usage_stopped_after_steady_use_cross_and_clear(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
        Instance i = instance(target, clock, settings(null, "250", Duration.ofMinutes(10)));
        grant(i, "acme:kim", "1000000");
        grant(i, "acme:lou", "1000000");
        for (int n = 0; n < 4; n++) { // steady use: one payment a minute, 100 micros each
            use(i, "acme:kim", "100");
            clock.advance(Duration.ofMinutes(1));
        }
        use(i, "acme:lou", "50"); // one payment: never "steady"
        assertThat(i.alerts().evaluate()).isEqualTo(1); // kim spent 400 > 250 within 10 minutes
        assertThat(i.store().alerts(null, 10))
                .singleElement()
                .satisfies(a -> assertThat(a.rule()).isEqualTo(Rule.SPEND_ABOVE));

        clock.advance(Duration.ofMinutes(10)); // kim silent for 11 minutes after 4 payments; spend window empty
        assertThat(i.alerts().evaluate()).isEqualTo(1);
        Map<Rule, Alert> byRule = new java.util.EnumMap<>(Rule.class);
        i.store().alerts(null, 10).forEach(a -> byRule.put(a.rule(), a));
        assertThat(byRule.get(Rule.SPEND_ABOVE).clearedAt()).isNotNull();
        assertThat(byRule.get(Rule.USAGE_STOPPED).customerKey()).isEqualTo("acme:kim");
        assertThat(byRule.get(Rule.USAGE_STOPPED).observed()).isEqualByComparingTo("660");
        assertThat(byRule.get(Rule.USAGE_STOPPED).clearedAt()).isNull();
        assertThat(i.alerts().evaluate()).isZero();

        use(i, "acme:kim", "10"); // usage resumed: cleared, re-armed
        assertThat(i.alerts().evaluate()).isZero();
        assertThat(i.store().alerts(null, 10)).allMatch(a -> a.clearedAt() != null);
        assertThat(i.alerts().deliver()).isEqualTo(2);
        assertThat(received)
                .hasSize(2)
                .allMatch(x -> verifies(x, SECRET))
                .anyMatch(x -> x.body().contains("\"type\":\"customer.usage_stopped\""))
                .anyMatch(x -> x.body().contains("\"type\":\"customer.spend_above\""));
    }

    @Test
    void a_failing_receiver_is_retried_with_exponential_backoff_and_every_attempt_is_logged() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
        Instance i = instance(TestDatabases.h2(), clock, settings("500", null, null));
        grant(i, "acme:kim", "100");
        grant(i, "acme:lou", "100");
        answers.addAll(List.of(500, 500, 503)); // kim: 500, 500, then 200 (lou, created later, fails 503 first)
        use(i, "acme:kim", "1");
        assertThat(i.alerts().evaluate()).isEqualTo(2); // both below 500

        assertThat(i.alerts().deliver()).isZero(); // kim 500, lou 500
        assertThat(i.alerts().deliver()).isZero(); // nothing due yet
        clock.advance(Duration.ofSeconds(5)); // first retry after retry-initial
        assertThat(i.alerts().deliver()).isEqualTo(1); // kim 503, lou 200
        clock.advance(Duration.ofSeconds(9));
        assertThat(i.alerts().deliver()).isZero(); // second retry after 10 s, not before
        clock.advance(Duration.ofSeconds(1));
        assertThat(i.alerts().deliver()).isEqualTo(1);

        List<Alert> alerts = i.store().alerts(null, 10);
        assertThat(alerts).allMatch(a -> a.deliveryStatus() == DeliveryStatus.DELIVERED);
        var log = i.store().deliveries(alerts.stream().map(Alert::id).toList());
        assertThat(log.values().stream().mapToInt(List::size).sum()).isEqualTo(5);
        assertThat(log.values())
                .anySatisfy(attempts -> assertThat(attempts)
                        .extracting(AlertStore.Delivery::outcome, AlertStore.Delivery::httpStatus)
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple("RETRY", 500),
                                org.assertj.core.groups.Tuple.tuple("RETRY", 503),
                                org.assertj.core.groups.Tuple.tuple("DELIVERED", 200)));
        assertThat(received).hasSize(5).allMatch(x -> verifies(x, SECRET));
        // the same alert id and body on every retry: the receiver can de-duplicate
        assertThat(received.stream().map(Received::alertId).distinct()).hasSize(2);

        // a receiver that never answers 2xx: FAILED after max-attempts (4), delays 5, 10, 20 s
        answers.addAll(List.of(500, 500, 500, 500));
        use(i, "acme:kim", "100"); // still below: no new alert; a new customer crosses
        grant(i, "acme:max", "100");
        assertThat(i.alerts().evaluate()).isEqualTo(1);
        for (Duration step :
                List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20))) {
            clock.advance(step);
            assertThat(i.alerts().deliver()).isZero();
        }
        clock.advance(Duration.ofHours(1));
        assertThat(i.alerts().deliver()).isZero();
        Alert failed = i.store().alerts("acme:max", 1).get(0);
        assertThat(failed.deliveryStatus()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(4);
    }

    @Test
    void two_instances_on_one_postgresql_raise_and_deliver_one_alert_per_crossing() throws Exception {
        JdbcTarget pg = TestDatabases.postgres();
        Clock clock = Clock.systemUTC();
        Instance a = instance(pg, clock, settings("500", null, null));
        Instance b = instance(pg, clock, settings("500", null, null));
        int customers = 20;
        for (int n = 0; n < customers; n++) {
            grant(a, "acme:c" + n, "1000");
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            AtomicInteger fired = new AtomicInteger();
            for (int round = 0; round < 2; round++) {
                for (int n = round; n < customers; n += 2) {
                    use(a, "acme:c" + n, "600"); // half the customers cross in each round
                }
                List<Callable<Integer>> calls = new ArrayList<>();
                for (int k = 0; k < 8; k++) {
                    Instance on = k % 2 == 0 ? a : b;
                    calls.add(() -> on.alerts().evaluate());
                }
                for (Future<Integer> f : pool.invokeAll(calls)) {
                    fired.addAndGet(f.get());
                }
            }
            assertThat(fired.get()).isEqualTo(customers);
            List<Callable<Integer>> sends = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                Instance on = k % 2 == 0 ? a : b;
                sends.add(() -> on.alerts().deliver());
            }
            int delivered = 0;
            for (Future<Integer> f : pool.invokeAll(sends)) {
                delivered += f.get();
            }
            assertThat(delivered).isEqualTo(customers);
        } finally {
            pool.shutdownNow();
        }
        assertThat(a.store().alerts(null, 100)).hasSize(customers);
        assertThat(received).hasSize(customers).allMatch(x -> verifies(x, SECRET));
        assertThat(received.stream().map(Received::alertId).distinct()).hasSize(customers);
    }
}
