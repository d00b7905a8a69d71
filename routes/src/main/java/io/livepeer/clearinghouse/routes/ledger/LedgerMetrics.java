package io.livepeer.clearinghouse.routes.ledger;

import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ledger totals for dashboards, {@code clearinghouse_ledger_balance_usd_micros{account}}: the balance (credits −
 * debits, as in {@code /api/ledger/accounts}) of the USD system accounts ({@code system:grants},
 * {@code system:usage_revenue}, {@code system:adjustments_usd}) and, as {@code account="customers"}, of all customer
 * accounts together. The books are double-entry, so the USD balances sum to zero and the customers' total is minus
 * the system accounts' sum: three primary-key reads per refresh, whatever the number of customers.
 *
 * <p>Display only: a Prometheus sample is a double, exact to about 15 digits; money stays exact in the ledger.
 * Refreshed by the {@code ledger-metrics} timer route, never on a scrape; a failed read keeps the last values.
 */
public final class LedgerMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerMetrics.class);
    private static final List<String> SYSTEM_USD =
            List.of(AccountKeys.GRANTS, AccountKeys.USAGE_REVENUE, AccountKeys.ADJUSTMENTS_USD);
    /** The {@code account} label of the customers' total. */
    public static final String CUSTOMERS = "customers";

    private final Ledger ledger;
    private final Map<String, AtomicReference<BigDecimal>> balances = new LinkedHashMap<>();

    /**
     * @param registry where the gauges are registered
     * @param ledger   the credit ledger
     */
    public LedgerMetrics(MeterRegistry registry, Ledger ledger) {
        this.ledger = ledger;
        for (String account : concat(CUSTOMERS, SYSTEM_USD)) {
            AtomicReference<BigDecimal> value = new AtomicReference<>(BigDecimal.ZERO);
            balances.put(account, value);
            Gauge.builder(
                            "clearinghouse.ledger.balance.usd.micros",
                            value,
                            v -> v.get().doubleValue())
                    .tag("account", account)
                    .description("Ledger balance in USD micros (credits - debits), display only")
                    .register(registry);
        }
    }

    /** Reads the system accounts' balances and updates the gauges. */
    public void refresh() {
        try {
            BigDecimal systemTotal = BigDecimal.ZERO;
            Map<String, BigDecimal> read = new LinkedHashMap<>();
            for (String key : SYSTEM_USD) {
                BigDecimal balance = ledger.account(key).map(Account::balance).orElse(BigDecimal.ZERO);
                read.put(key, balance);
                systemTotal = systemTotal.add(balance);
            }
            read.forEach((key, balance) -> balances.get(key).set(balance));
            balances.get(CUSTOMERS).set(systemTotal.negate());
        } catch (SQLException e) {
            LOG.debug("ledger gauges not refreshed: {}", e.getMessage());
        }
    }

    /** The exact value behind a gauge at the last refresh ({@link #CUSTOMERS} or a system account key). */
    public BigDecimal balance(String account) {
        AtomicReference<BigDecimal> value = balances.get(account);
        return value == null ? null : value.get();
    }

    private static List<String> concat(String first, List<String> rest) {
        return Stream.concat(Stream.of(first), rest.stream()).toList();
    }
}
