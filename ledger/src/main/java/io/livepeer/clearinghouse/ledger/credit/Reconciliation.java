package io.livepeer.clearinghouse.ledger.credit;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Proves the books balance: recomputes every account's debits and credits from its transfers (and compares them with
 * the stored totals: the account row plus its unfolded balance deltas), checks that debits
 * equal credits per unit, and that every metered outbox event has exactly one usage transfer (same customer, same
 * billable amount) and every usage transfer an outbox event. Read-only.
 *
 * <p>Transfers are read from the {@code ledger_postings} view (V9): the {@code ledger_transfers} rows plus the usage
 * postings held by outbox rows (an outbox row with its accounts set is its event's usage transfer, so it cannot miss
 * or differ in amount; what can go wrong is its accounts, or a second usage transfer row for the same event).
 */
public final class Reconciliation {

    private static final int SAMPLE = 20;

    private final Database database;
    private final Clock clock;

    public Reconciliation(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Runs every check. */
    public Report run() throws SQLException {
        return database.withHandle(h -> {
            long[] accounts = {0};
            List<BalanceMismatch> balances = new ArrayList<>();
            // an account's totals are its row plus its unfolded balance deltas (Ledger#postUsage)
            // transfers are the ledger_transfers rows and the usage postings held by outbox rows (V9): the
            // ledger_postings view; summed per account in one pass per side
            h.createQuery("SELECT a.account_key, a.unit, " + Ledger.DEBITS_POSTED + " AS debits_posted, "
                            + Ledger.CREDITS_POSTED + " AS credits_posted,"
                            + " COALESCE(d.amount, 0) AS debits_from_transfers,"
                            + " COALESCE(c.amount, 0) AS credits_from_transfers FROM ledger_accounts a"
                            + " LEFT JOIN (SELECT debit_account_id AS id, SUM(amount) AS amount FROM ledger_postings"
                            + " GROUP BY debit_account_id) d ON d.id = a.id"
                            + " LEFT JOIN (SELECT credit_account_id AS id, SUM(amount) AS amount FROM ledger_postings"
                            + " GROUP BY credit_account_id) c ON c.id = a.id"
                            + " ORDER BY a.account_key")
                    .map((rs, ctx) -> new BalanceMismatch(
                            rs.getString("account_key"),
                            Unit.valueOf(rs.getString("unit")),
                            Rows.micros(rs, "debits_posted"),
                            Rows.micros(rs, "credits_posted"),
                            Rows.micros(rs, "debits_from_transfers"),
                            Rows.micros(rs, "credits_from_transfers")))
                    .forEach(account -> {
                        accounts[0]++;
                        if (account.debitsPosted().compareTo(account.debitsFromTransfers()) != 0
                                || account.creditsPosted().compareTo(account.creditsFromTransfers()) != 0) {
                            balances.add(account);
                        }
                    });
            Map<Unit, UnitTotals> totals = new EnumMap<>(Unit.class);
            h.createQuery("SELECT a.unit, SUM(" + Ledger.DEBITS_POSTED + ") AS debits, SUM(" + Ledger.CREDITS_POSTED
                            + ") AS credits FROM ledger_accounts a GROUP BY a.unit")
                    .map((rs, ctx) -> Map.entry(
                            Unit.valueOf(rs.getString("unit")),
                            new UnitTotals(Rows.micros(rs, "debits"), Rows.micros(rs, "credits"))))
                    .forEach(t -> totals.put(t.getKey(), t.getValue()));
            long events = count(h, "SELECT COUNT(*) AS n FROM outbox_events");
            long usageTransfers = count(h, "SELECT COUNT(*) AS n FROM ledger_postings WHERE kind = 'USAGE'");
            // an event's usage is its own row (V9: usage_debit_account_id set) or, before V9, a usage transfer row
            String missingWhere = " FROM outbox_events o WHERE o.usage_debit_account_id IS NULL AND NOT EXISTS"
                    + " (SELECT 1 FROM ledger_transfers t WHERE t.transfer_id = 'usage:' || o.event_id)";
            long missing = count(h, "SELECT COUNT(*) AS n" + missingWhere);
            List<String> missingSample = sample(h, "SELECT o.event_id AS id" + missingWhere + " ORDER BY o.seq");
            String orphanWhere = " FROM ledger_transfers t WHERE t.kind = 'USAGE' AND NOT EXISTS"
                    + " (SELECT 1 FROM outbox_events o WHERE o.event_id = t.source_event_id)";
            long orphans = count(h, "SELECT COUNT(*) AS n" + orphanWhere);
            List<String> orphanSample = sample(h, "SELECT t.transfer_id AS id" + orphanWhere + " ORDER BY t.seq");
            // not matching: a usage transfer row whose customer or amount differs from its event; an outbox posting
            // whose accounts are not the event's customer and the usage revenue account; an event posted twice (its
            // own posting and a usage transfer row)
            String wrongWhere = " FROM outbox_events o"
                    + " JOIN ledger_transfers t ON t.transfer_id = 'usage:' || o.event_id"
                    + " JOIN ledger_accounts d ON d.id = t.debit_account_id"
                    + " WHERE t.amount <> o.billable_usd_micros OR d.account_key <> 'customer:' || o.subject"
                    + " OR o.usage_debit_account_id IS NOT NULL";
            String wrongPostingWhere = " FROM outbox_events o"
                    + " LEFT JOIN ledger_accounts d ON d.id = o.usage_debit_account_id"
                    + " LEFT JOIN ledger_accounts c ON c.id = o.usage_credit_account_id"
                    + " WHERE o.usage_debit_account_id IS NOT NULL AND (d.account_key IS NULL OR c.account_key IS NULL"
                    + " OR d.account_key <> 'customer:' || o.subject OR c.account_key <> '" + AccountKeys.USAGE_REVENUE
                    + "')";
            long wrong = count(h, "SELECT COUNT(*) AS n" + wrongWhere)
                    + count(h, "SELECT COUNT(*) AS n" + wrongPostingWhere);
            List<String> wrongSample =
                    new ArrayList<>(sample(h, "SELECT o.event_id AS id" + wrongWhere + " ORDER BY o.seq"));
            if (wrongSample.size() < SAMPLE) {
                wrongSample.addAll(sample(h, "SELECT o.event_id AS id" + wrongPostingWhere + " ORDER BY o.seq"));
                wrongSample = wrongSample.subList(0, Math.min(SAMPLE, wrongSample.size()));
            }
            return new Report(
                    clock.instant(),
                    accounts[0],
                    balances,
                    totals,
                    events,
                    usageTransfers,
                    missing,
                    missingSample,
                    orphans,
                    orphanSample,
                    wrong,
                    wrongSample);
        });
    }

    /** The {@code n} column of a one-row query. */
    private static long count(Handle h, String sql) {
        return h.createQuery(sql).map((rs, ctx) -> rs.getLong("n")).one();
    }

    /** The {@code id} column of the first {@value #SAMPLE} rows. */
    private static List<String> sample(Handle h, String sql) {
        return h.createQuery(sql + " LIMIT :limit")
                .bind("limit", SAMPLE)
                .map((rs, ctx) -> rs.getString("id"))
                .list();
    }

    /** An account whose stored totals differ from its transfers. */
    public record BalanceMismatch(
            String account,
            Unit unit,
            BigDecimal debitsPosted,
            BigDecimal creditsPosted,
            BigDecimal debitsFromTransfers,
            BigDecimal creditsFromTransfers) {}

    /** Sum of all accounts' debits and credits in one unit: equal when the books balance. */
    public record UnitTotals(BigDecimal debits, BigDecimal credits) {
        public boolean balanced() {
            return debits.compareTo(credits) == 0;
        }
    }

    /**
     * The outcome of a reconciliation.
     *
     * @param at                  when it ran
     * @param accounts            accounts checked
     * @param balanceMismatches   accounts whose totals differ from their transfers
     * @param totals              debits and credits per unit
     * @param outboxEvents        metered events
     * @param usageTransfers      usage transfers
     * @param eventsWithoutUsage  events without a usage transfer (count, then a sample of ids)
     * @param usageWithoutEvent   usage transfers without an event
     * @param usageNotMatching    usage transfers whose customer or amount differs from their event
     */
    public record Report(
            Instant at,
            long accounts,
            List<BalanceMismatch> balanceMismatches,
            Map<Unit, UnitTotals> totals,
            long outboxEvents,
            long usageTransfers,
            long eventsWithoutUsage,
            List<String> eventsWithoutUsageSample,
            long usageWithoutEvent,
            List<String> usageWithoutEventSample,
            long usageNotMatching,
            List<String> usageNotMatchingSample) {

        /** Whether every check passed. */
        public boolean ok() {
            return balanceMismatches.isEmpty()
                    && totals.values().stream().allMatch(UnitTotals::balanced)
                    && eventsWithoutUsage == 0
                    && usageWithoutEvent == 0
                    && usageNotMatching == 0;
        }

        /** A readable markdown report. */
        public String markdown() {
            StringBuilder md = new StringBuilder();
            md.append("# Ledger reconciliation\n\n");
            md.append("Run at ")
                    .append(at)
                    .append(": **")
                    .append(ok() ? "the books balance" : "MISMATCHES FOUND")
                    .append("**\n\n");
            md.append("| check | result |\n|---|---|\n");
            md.append("| account balances recomputed from transfers | ")
                    .append(accounts)
                    .append(" accounts, ")
                    .append(balanceMismatches.isEmpty() ? "all match" : balanceMismatches.size() + " differ")
                    .append(" |\n");
            for (Map.Entry<Unit, UnitTotals> t : totals.entrySet()) {
                md.append("| debits = credits (")
                        .append(t.getKey())
                        .append(") | ")
                        .append(t.getValue().debits().toPlainString())
                        .append(" = ")
                        .append(t.getValue().credits().toPlainString())
                        .append(t.getValue().balanced() ? " ✔" : " ✘")
                        .append(" |\n");
            }
            md.append("| metered events with exactly one usage transfer | ")
                    .append(outboxEvents)
                    .append(" events, ")
                    .append(usageTransfers)
                    .append(" usage transfers, ")
                    .append(eventsWithoutUsage)
                    .append(" events without one |\n");
            md.append("| usage transfers without their event | ")
                    .append(usageWithoutEvent)
                    .append(" |\n");
            md.append("| usage transfers not matching their event (customer, billable amount) | ")
                    .append(usageNotMatching)
                    .append(" |\n");
            if (!balanceMismatches.isEmpty()) {
                md.append("\n## Accounts whose totals differ from their transfers\n\n")
                        .append("| account | unit | debits posted | debits from transfers | credits posted"
                                + " | credits from transfers |\n|---|---|---|---|---|---|\n");
                for (BalanceMismatch m : balanceMismatches) {
                    md.append("| ")
                            .append(m.account())
                            .append(" | ")
                            .append(m.unit())
                            .append(" | ")
                            .append(m.debitsPosted().toPlainString())
                            .append(" | ")
                            .append(m.debitsFromTransfers().toPlainString())
                            .append(" | ")
                            .append(m.creditsPosted().toPlainString())
                            .append(" | ")
                            .append(m.creditsFromTransfers().toPlainString())
                            .append(" |\n");
                }
            }
            sample(md, "Events without a usage transfer", eventsWithoutUsage, eventsWithoutUsageSample);
            sample(md, "Usage transfers without their event", usageWithoutEvent, usageWithoutEventSample);
            sample(md, "Usage transfers not matching their event", usageNotMatching, usageNotMatchingSample);
            if (eventsWithoutUsage > 0 && eventsWithoutUsage == outboxEvents) {
                md.append("\nNo event has a usage transfer: was the usage fan-out switched off"
                        + " (clearinghouse.ledger.usage-fan-out)?\n");
            }
            return md.toString();
        }

        private static void sample(StringBuilder md, String title, long count, List<String> sample) {
            if (count == 0) {
                return;
            }
            md.append("\n## ").append(title).append(" (").append(count).append(")\n\n");
            sample.forEach(id -> md.append("- `").append(id).append("`\n"));
            if (count > sample.size()) {
                md.append("- … and ").append(count - sample.size()).append(" more\n");
            }
        }
    }
}
