package io.livepeer.clearinghouse.ledger.spend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.ledger.Amounts;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Customer alerts' tables (V17): threshold crossings and the delivery log of their webhooks. Amounts are USD micros
 * ({@code BigDecimal}, never rounded here); durations of {@link Rule#USAGE_STOPPED} are seconds. Thread-safe.
 *
 * <p><b>One alert per crossing.</b> A crossing row carries {@code active_key = RULE:customer} while its condition
 * holds; inserting it is {@code ON CONFLICT DO NOTHING} on that unique key, so any number of instances evaluating
 * the same condition store one row. When the condition no longer holds the key is set to NULL ({@code cleared_at}),
 * which re-arms the rule for that customer.
 */
public final class AlertStore {

    /** The thresholds. */
    public enum Rule {
        /** balance (USD micros) below the threshold */
        BALANCE_BELOW,
        /** USAGE debits (USD micros) within the window above the threshold */
        SPEND_ABOVE,
        /** no USAGE for the quiet time (seconds) after at least N usage events in the active window */
        USAGE_STOPPED;

        /** The webhook's {@code type}: {@code customer.balance_below}, ... */
        public String eventType() {
            return "customer." + name().toLowerCase(Locale.ROOT);
        }
    }

    /** Delivery status of an alert. */
    public enum DeliveryStatus {
        PENDING,
        DELIVERED,
        FAILED
    }

    /** A customer's value of a rule's quantity (USD micros, or seconds for {@link Rule#USAGE_STOPPED}). */
    public record Observation(String customerKey, BigDecimal observed) {}

    /** A stored alert (crossing). {@code clearedAt} null while the condition still holds. */
    public record Alert(
            long id,
            Rule rule,
            String customerKey,
            BigDecimal observed,
            BigDecimal threshold,
            Instant firedAt,
            Instant clearedAt,
            String payload,
            DeliveryStatus deliveryStatus,
            int attempts,
            Instant nextAttemptAt,
            Instant deliveredAt) {}

    /** One delivery attempt. {@code httpStatus} null when the receiver did not answer. */
    public record Delivery(
            long id,
            long alertId,
            int attempt,
            Instant attemptedAt,
            Integer httpStatus,
            String outcome,
            String error) {}

    /** Evaluation result: alerts fired and crossings cleared. */
    public record Evaluation(int fired, int cleared) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, rule, customer_key, observed, threshold, fired_at, cleared_at, payload,"
            + " delivery_status, attempts, next_attempt_at, delivered_at";
    private static final RowMapper<Alert> ALERT = (rs, ctx) -> new Alert(
            rs.getLong("id"),
            Rule.valueOf(rs.getString("rule")),
            rs.getString("customer_key"),
            Rows.micros(rs, "observed"),
            Rows.micros(rs, "threshold"),
            Rows.instant(rs, "fired_at"),
            Rows.instant(rs, "cleared_at"),
            rs.getString("payload"),
            DeliveryStatus.valueOf(rs.getString("delivery_status")),
            rs.getInt("attempts"),
            Rows.instant(rs, "next_attempt_at"),
            Rows.instant(rs, "delivered_at"));
    private static final RowMapper<Delivery> DELIVERY = (rs, ctx) -> new Delivery(
            rs.getLong("id"),
            rs.getLong("alert_id"),
            rs.getInt("attempt"),
            Rows.instant(rs, "attempted_at"),
            Rows.nullableInt(rs, "http_status"),
            rs.getString("outcome"),
            rs.getString("error"));

    private final Database database;
    private final Clock clock;

    public AlertStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    // ---- conditions ----------------------------------------------------------------------------------------------

    /** Customers whose ledger balance (USD micros) is below {@code threshold}. */
    public List<Observation> balancesBelow(BigDecimal threshold) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT account_key, credits_posted - debits_posted AS v"
                        + " FROM ledger_accounts WHERE kind = 'CUSTOMER' AND unit = 'USD_MICROS'"
                        + " AND credits_posted - debits_posted < :t")
                .bind("t", threshold)
                .map((rs, ctx) -> new Observation(customer(rs.getString("account_key")), Rows.micros(rs, "v")))
                .list());
    }

    /** Customers whose USAGE debits (USD micros) since {@code now - window} exceed {@code threshold}. */
    public List<Observation> spendAbove(Duration window, BigDecimal threshold) throws SQLException {
        Instant since = clock.instant().minus(window);
        return database.withHandle(h -> h.createQuery("SELECT a.account_key, SUM(t.amount) AS v FROM ledger_transfers t"
                        + " JOIN ledger_accounts a ON a.id = t.debit_account_id WHERE t.kind = 'USAGE'"
                        + " AND a.kind = 'CUSTOMER' AND t.created_at >= :since GROUP BY a.account_key"
                        + " HAVING SUM(t.amount) > :t")
                .bind("since", since)
                .bind("t", threshold)
                .map((rs, ctx) -> new Observation(customer(rs.getString("account_key")), Rows.micros(rs, "v")))
                .list());
    }

    /**
     * Customers that were active and stopped: their latest USAGE is at least {@code quiet} old and they had at least
     * {@code minEvents} USAGE transfers within {@code activeWindow} before {@code now - quiet}. Observed value: whole
     * seconds since the latest usage. Once the silence is longer than {@code quiet + activeWindow} the customer no
     * longer counts as having been active (the crossing clears; it fires again only after new steady use).
     */
    public List<Observation> usageStopped(Duration quiet, Duration activeWindow, int minEvents) throws SQLException {
        Instant now = clock.instant();
        Instant quietSince = now.minus(quiet);
        Instant from = quietSince.minus(activeWindow);
        return database.withHandle(h -> h
                .createQuery("SELECT a.account_key, MAX(t.created_at) AS last, COUNT(*) AS n"
                        + " FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id"
                        + " WHERE t.kind = 'USAGE' AND a.kind = 'CUSTOMER' AND t.created_at >= :from"
                        + " GROUP BY a.account_key")
                .bind("from", from)
                .map((rs, ctx) -> {
                    Instant last = Rows.instant(rs, "last");
                    long n = rs.getLong("n");
                    if (n < minEvents || last.isAfter(quietSince)) {
                        return null;
                    }
                    return new Observation(
                            customer(rs.getString("account_key")),
                            BigDecimal.valueOf(Duration.between(last, now).toSeconds()));
                })
                .list()
                .stream()
                .filter(o -> o != null)
                .toList());
    }

    private static String customer(String accountKey) {
        return accountKey.startsWith(AccountKeys.CUSTOMER_PREFIX)
                ? accountKey.substring(AccountKeys.CUSTOMER_PREFIX.length())
                : accountKey;
    }

    // ---- crossings -----------------------------------------------------------------------------------------------

    /**
     * Records one evaluation of a rule: a new alert (delivery {@code PENDING}, due now) for every observed customer
     * without an active crossing of this rule, and clears the active crossings of customers no longer observed.
     *
     * @param rule      the rule evaluated
     * @param threshold its threshold (stored with the alert and sent in the webhook)
     * @param current   the customers for which the condition holds now
     */
    public Evaluation record(Rule rule, BigDecimal threshold, List<Observation> current) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Map<String, Observation> byCustomer = new TreeMap<>();
            current.forEach(o -> byCustomer.put(o.customerKey(), o));
            int fired = 0;
            for (Observation o : byCustomer.values()) {
                String key = rule.name() + ":" + o.customerKey();
                int inserted = h.createUpdate("INSERT INTO customer_alerts (rule, customer_key, active_key, observed,"
                                + " threshold, fired_at, payload, delivery_status, attempts, next_attempt_at)"
                                + " VALUES (:rule, :c, :k, :o, :t, :now, '', 'PENDING', 0, :now)"
                                + " ON CONFLICT DO NOTHING")
                        .bind("rule", rule.name())
                        .bind("c", o.customerKey())
                        .bind("k", key)
                        .bind("o", Amounts.micros(o.observed()))
                        .bind("t", threshold)
                        .bind("now", now)
                        .execute();
                if (inserted == 1) {
                    long id = h.createQuery("SELECT id FROM customer_alerts WHERE active_key = :k")
                            .bind("k", key)
                            .mapTo(Long.class)
                            .one();
                    h.createUpdate("UPDATE customer_alerts SET payload = :p WHERE id = :id")
                            .bind("p", payload(id, rule, o, threshold, now))
                            .bind("id", id)
                            .execute();
                    fired++;
                }
            }
            int cleared = 0;
            List<Alert> active = h.createQuery(
                            "SELECT " + COLUMNS + " FROM customer_alerts WHERE rule = :rule AND active_key IS NOT NULL")
                    .bind("rule", rule.name())
                    .map(ALERT)
                    .list();
            for (Alert a : active) {
                if (!byCustomer.containsKey(a.customerKey())) {
                    cleared += h.createUpdate("UPDATE customer_alerts SET active_key = NULL, cleared_at = :now"
                                    + " WHERE id = :id AND active_key IS NOT NULL")
                            .bind("now", now)
                            .bind("id", a.id())
                            .execute();
                }
            }
            return new Evaluation(fired, cleared);
        });
    }

    /** Clears every active crossing of a rule (the rule was switched off). */
    public int clearAll(Rule rule) throws SQLException {
        return record(rule, BigDecimal.ZERO, List.of()).cleared();
    }

    private static String payload(long id, Rule rule, Observation o, BigDecimal threshold, Instant now) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", "alert-" + id);
        n.put("type", rule.eventType());
        n.put("customer_key", o.customerKey());
        String unit = rule == Rule.USAGE_STOPPED ? "_seconds" : "_usd_micros";
        n.put("observed" + unit, plain(o.observed()));
        n.put("threshold" + unit, plain(threshold));
        n.put("fired_at", now.toString());
        return n.toString();
    }

    private static String plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    // ---- delivery ------------------------------------------------------------------------------------------------

    /**
     * Claims up to {@code limit} pending alerts whose next attempt is due: each is moved to
     * {@code now + claimFor} with a conditional UPDATE, so an alert is sent by one instance at a time.
     */
    public List<Alert> claimDue(int limit, Duration claimFor) throws SQLException {
        Instant now = clock.instant();
        List<Alert> due = database.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM customer_alerts"
                        + " WHERE delivery_status = 'PENDING' AND next_attempt_at <= :now ORDER BY next_attempt_at, id"
                        + " LIMIT :limit")
                .bind("now", now)
                .bind("limit", limit)
                .map(ALERT)
                .list());
        List<Alert> claimed = new ArrayList<>();
        for (Alert a : due) {
            int n = database.withHandle(h -> h.createUpdate("UPDATE customer_alerts SET next_attempt_at = :until"
                            + " WHERE id = :id AND delivery_status = 'PENDING' AND next_attempt_at = :was")
                    .bind("until", now.plus(claimFor))
                    .bind("id", a.id())
                    .bind("was", a.nextAttemptAt())
                    .execute());
            if (n == 1) {
                claimed.add(a);
            }
        }
        return claimed;
    }

    /**
     * Logs one delivery attempt and moves the alert on: {@code DELIVERED}, back to {@code PENDING} at
     * {@code retryAt}, or {@code FAILED} when {@code retryAt} is empty and it was not delivered.
     */
    public void recordAttempt(
            long alertId, int attempt, Integer httpStatus, String error, boolean delivered, Optional<Instant> retryAt)
            throws SQLException {
        Instant now = clock.instant();
        String outcome = delivered ? "DELIVERED" : retryAt.isPresent() ? "RETRY" : "FAILED";
        database.inTransaction(h -> {
            h.createUpdate("INSERT INTO customer_alert_deliveries (alert_id, attempt, attempted_at, http_status,"
                            + " outcome, error) VALUES (:a, :n, :now, :s, :o, :e)")
                    .bind("a", alertId)
                    .bind("n", attempt)
                    .bind("now", now)
                    .bind("s", httpStatus)
                    .bind("o", outcome)
                    .bind("e", error == null ? null : error.substring(0, Math.min(1000, error.length())))
                    .execute();
            return h.createUpdate("UPDATE customer_alerts SET attempts = :n, delivery_status = :st,"
                            + " next_attempt_at = :next" + (delivered ? ", delivered_at = :next" : "")
                            + " WHERE id = :a")
                    .bind("a", alertId)
                    .bind("n", attempt)
                    .bind("st", delivered ? "DELIVERED" : retryAt.isPresent() ? "PENDING" : "FAILED")
                    .bind("next", retryAt.orElse(now))
                    .execute();
        });
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    /** Alerts newest first, optionally of one customer. */
    public List<Alert> alerts(String customerKey, int limit) throws SQLException {
        return database.withHandle(h -> {
            var q = h.createQuery("SELECT " + COLUMNS + " FROM customer_alerts"
                    + (customerKey == null ? "" : " WHERE customer_key = :c") + " ORDER BY id DESC LIMIT :limit");
            if (customerKey != null) {
                q.bind("c", customerKey);
            }
            return q.bind("limit", limit).map(ALERT).list();
        });
    }

    /** The delivery log of these alerts, by alert id, oldest attempt first. */
    public Map<Long, List<Delivery>> deliveries(List<Long> alertIds) throws SQLException {
        Map<Long, List<Delivery>> out = new TreeMap<>();
        if (alertIds.isEmpty()) {
            return out;
        }
        long min = alertIds.stream().mapToLong(Long::longValue).min().orElseThrow();
        long max = alertIds.stream().mapToLong(Long::longValue).max().orElseThrow();
        database
                .withHandle(h -> h.createQuery(
                                "SELECT id, alert_id, attempt, attempted_at, http_status, outcome, error"
                                        + " FROM customer_alert_deliveries WHERE alert_id BETWEEN :min AND :max ORDER BY alert_id, id")
                        .bind("min", min)
                        .bind("max", max)
                        .map(DELIVERY)
                        .list())
                .stream()
                .filter(d -> alertIds.contains(d.alertId()))
                .forEach(d ->
                        out.computeIfAbsent(d.alertId(), k -> new ArrayList<>()).add(d));
        return out;
    }
}
