package io.livepeer.clearinghouse.ledger.credit;

import java.util.Map;

/**
 * Account keys: {@code customer:<customer key>} (the OpenMeter/Konnect customer key, i.e. the metering subject),
 * {@code orchestrator:<id or address>}, and the system accounts below. The kind and unit follow from the key.
 */
public final class AccountKeys {

    /** Source of prepaid credit (USD micros). */
    public static final String GRANTS = "system:grants";
    /** Destination of metered usage (USD micros). */
    public static final String USAGE_REVENUE = "system:usage_revenue";
    /** Counterpart of manual corrections in USD micros. */
    public static final String ADJUSTMENTS_USD = "system:adjustments_usd";
    /** Counterpart of manual corrections in wei. */
    public static final String ADJUSTMENTS_WEI = "system:adjustments_wei";
    /** Counterpart of imported orchestrator balances (wei). */
    public static final String IMPORT_WEI = "system:import_wei";
    /** Counterpart of on-chain payouts (wei). */
    public static final String SETTLEMENT_WEI = "system:settlement_wei";
    /** Source of orchestrator earnings (wei): session, workload and power credits are transfers from it. */
    public static final String ORCHESTRATOR_EARNINGS = "system:orchestrator_earnings";

    private static final Map<String, Unit> SYSTEM = Map.of(
            GRANTS,
            Unit.USD_MICROS,
            USAGE_REVENUE,
            Unit.USD_MICROS,
            ADJUSTMENTS_USD,
            Unit.USD_MICROS,
            ADJUSTMENTS_WEI,
            Unit.WEI,
            IMPORT_WEI,
            Unit.WEI,
            SETTLEMENT_WEI,
            Unit.WEI,
            ORCHESTRATOR_EARNINGS,
            Unit.WEI);
    private static final int MAX_KEY = 600;

    private AccountKeys() {}

    /** Prefix of customer account keys. */
    public static final String CUSTOMER_PREFIX = "customer:";

    /** {@code customer:<customerKey>}. */
    public static String customer(String customerKey) {
        return CUSTOMER_PREFIX + customerKey;
    }

    /** {@code orchestrator:<id>}. */
    public static String orchestrator(String id) {
        return "orchestrator:" + id;
    }

    /** The adjustments account for a unit. */
    public static String adjustments(Unit unit) {
        return unit == Unit.WEI ? ADJUSTMENTS_WEI : ADJUSTMENTS_USD;
    }

    /**
     * What an account key denotes.
     *
     * @param kind kind
     * @param unit unit
     */
    public record Spec(AccountKind kind, Unit unit) {}

    /**
     * @param key an account key
     * @return its kind and unit
     * @throws LedgerException.Invalid when the key is not a customer, orchestrator or known system account
     */
    public static Spec parse(String key) {
        if (key == null || key.isBlank()) {
            throw new LedgerException.Invalid("account", "account key is required");
        }
        if (key.length() > MAX_KEY) {
            throw new LedgerException.Invalid("account", "account key is longer than " + MAX_KEY + " characters");
        }
        if (key.startsWith("customer:") && key.length() > "customer:".length()) {
            return new Spec(AccountKind.CUSTOMER, Unit.USD_MICROS);
        }
        if (key.startsWith("orchestrator:") && key.length() > "orchestrator:".length()) {
            return new Spec(AccountKind.ORCHESTRATOR, Unit.WEI);
        }
        Unit unit = SYSTEM.get(key);
        if (unit != null) {
            return new Spec(AccountKind.SYSTEM, unit);
        }
        throw new LedgerException.Invalid(
                "account",
                "unknown account key '" + key + "': use customer:<key>," + " orchestrator:<id> or one of "
                        + String.join(", ", SYSTEM.keySet().stream().sorted().toList()));
    }
}
