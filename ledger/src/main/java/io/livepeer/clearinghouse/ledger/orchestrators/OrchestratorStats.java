package io.livepeer.clearinghouse.ledger.orchestrators;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An orchestrator's earnings per UTC day, from the ledger transfers of {@code orchestrator:<id>} (the backend's
 * {@code _compute_orchestrator_stats}, which summed its journal): credits (money in) split by reason into session
 * ({@code session_time}), workload ({@code workload_time}, {@code workload}), and adjustments (every other credit:
 * power time, manual adjustments, imports); payouts (settlement debits); net (in − out). All amounts whole wei.
 */
public final class OrchestratorStats {

    /** Most days a report covers. */
    public static final int MAX_DAYS = 366;

    private final Database database;
    private final Clock clock;

    public OrchestratorStats(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * @param days days up to and including today (UTC), 1 to {@link #MAX_DAYS}
     * @return totals and one entry per day (oldest first, every day present)
     */
    public Stats stats(String orchestratorId, int days) throws SQLException {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate first = today.minusDays(days - 1L);
        Instant from = first.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        String account = AccountKeys.orchestrator(orchestratorId);
        Map<LocalDate, Day> byDay = new TreeMap<>();
        for (LocalDate d = first; !d.isAfter(today); d = d.plusDays(1)) {
            byDay.put(d, Day.empty(d));
        }
        List<Row> rows = database.withHandle(h -> h.createQuery("SELECT t.created_at, t.amount, t.kind, t.metadata,"
                        + " CASE WHEN t.credit_account_id = a.id THEN 1 ELSE 0 END AS incoming FROM ledger_transfers t"
                        + " JOIN ledger_accounts a ON (a.id = t.credit_account_id OR a.id = t.debit_account_id)"
                        + " WHERE a.account_key = :account AND t.created_at >= :from AND t.created_at < :to")
                .bind("account", account)
                .bind("from", from)
                .bind("to", to)
                .map((rs, ctx) -> new Row(
                        Rows.instant(rs, "created_at"),
                        rs.getBigDecimal("amount").toBigIntegerExact(),
                        rs.getString("kind"),
                        rs.getString("metadata"),
                        rs.getInt("incoming") == 1))
                .list());
        for (Row r : rows) {
            LocalDate d = LocalDate.ofInstant(r.at(), ZoneOffset.UTC);
            byDay.computeIfPresent(d, (k, day) -> day.add(r));
        }
        List<Day> daily = new ArrayList<>(byDay.values());
        Day total = Day.empty(null);
        for (Day d : daily) {
            total = total.plus(d);
        }
        return new Stats(orchestratorId, days, total, daily);
    }

    private record Row(Instant at, BigInteger amount, String kind, String metadata, boolean incoming) {
        String reason() {
            if (metadata == null) {
                return null;
            }
            try {
                JsonNode node = Metadata.JSON.readTree(metadata);
                return node != null && node.hasNonNull("reason")
                        ? node.get("reason").asText()
                        : null;
            } catch (IOException e) {
                return null;
            }
        }
    }

    /**
     * One day (or the totals, {@code date} null). Wei.
     *
     * @param date        the UTC day
     * @param credits     all money in
     * @param payouts     settlement debits (on-chain payouts)
     * @param session     credits with reason {@code session_time}
     * @param workload    credits with reason {@code workload_time} or {@code workload}
     * @param adjustments every other credit (power time, adjustments, imports)
     * @param netDelta    money in − money out (payouts and any other debit)
     * @param byReason    credits per reason ({@code kind} lower-case when a transfer has no reason)
     */
    public record Day(
            LocalDate date,
            BigInteger credits,
            BigInteger payouts,
            BigInteger session,
            BigInteger workload,
            BigInteger adjustments,
            BigInteger netDelta,
            Map<String, BigInteger> byReason) {

        static Day empty(LocalDate date) {
            BigInteger z = BigInteger.ZERO;
            return new Day(date, z, z, z, z, z, z, new TreeMap<>());
        }

        Day add(Row r) {
            if (!r.incoming()) {
                boolean payout = r.kind().equals("SETTLEMENT");
                return new Day(
                        date,
                        credits,
                        payout ? payouts.add(r.amount()) : payouts,
                        session,
                        workload,
                        adjustments,
                        netDelta.subtract(r.amount()),
                        byReason);
            }
            String reason = r.reason() != null ? r.reason() : r.kind().toLowerCase(java.util.Locale.ROOT);
            Map<String, BigInteger> reasons = new TreeMap<>(byReason);
            reasons.merge(reason, r.amount(), BigInteger::add);
            boolean isSession = reason.equals("session_time");
            boolean isWorkload = reason.equals("workload_time") || reason.equals("workload");
            return new Day(
                    date,
                    credits.add(r.amount()),
                    payouts,
                    isSession ? session.add(r.amount()) : session,
                    isWorkload ? workload.add(r.amount()) : workload,
                    isSession || isWorkload ? adjustments : adjustments.add(r.amount()),
                    netDelta.add(r.amount()),
                    reasons);
        }

        Day plus(Day d) {
            Map<String, BigInteger> reasons = new TreeMap<>(byReason);
            d.byReason().forEach((k, v) -> reasons.merge(k, v, BigInteger::add));
            return new Day(
                    date,
                    credits.add(d.credits()),
                    payouts.add(d.payouts()),
                    session.add(d.session()),
                    workload.add(d.workload()),
                    adjustments.add(d.adjustments()),
                    netDelta.add(d.netDelta()),
                    reasons);
        }
    }

    /**
     * A report.
     *
     * @param orchestratorId whose
     * @param days           days covered
     * @param total          sums over the days ({@code date} null)
     * @param daily          one entry per day, oldest first
     */
    public record Stats(String orchestratorId, int days, Day total, List<Day> daily) {}

    /** Wei as ETH: exact, plain notation, trailing zeros removed (1 ETH = 10^18 wei). */
    public static String eth(BigInteger wei) {
        BigDecimal eth = new BigDecimal(wei).movePointLeft(18).stripTrailingZeros();
        return eth.signum() == 0 ? "0" : eth.toPlainString();
    }
}
