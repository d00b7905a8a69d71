package io.livepeer.clearinghouse.ledger.credit;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A customer's usage and credit per UTC day: metered events, network and billable USD micros (from the outbox, by
 * usage time) and granted credit (from the ledger, by posting time). Every day of the range is present, zeros
 * included, oldest first.
 */
public final class CustomerUsage {

    private final Database database;

    public CustomerUsage(Database database) {
        this.database = database;
    }

    /**
     * @param customerKey the customer key (metering subject)
     * @param from        first day, inclusive (UTC)
     * @param to          last day, inclusive (UTC)
     */
    public List<Day> days(String customerKey, LocalDate from, LocalDate to) throws SQLException {
        Map<LocalDate, Day> days = new TreeMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            days.put(d, new Day(d, 0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO));
        }
        Instant start = from.atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = to.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        database.withHandle(h -> {
            // the pool sets every session to UTC, so CAST(... AS DATE) is the UTC day on both databases
            h.createQuery("SELECT CAST(event_time AS DATE) AS usage_day, COUNT(*) AS events,"
                            + " SUM(network_usd_micros) AS network_usd_micros,"
                            + " SUM(billable_usd_micros) AS billable_usd_micros FROM outbox_events"
                            + " WHERE subject = :subject AND event_time >= :start AND event_time < :end"
                            + " GROUP BY CAST(event_time AS DATE)")
                    .bind("subject", customerKey)
                    .bind("start", start)
                    .bind("end", end)
                    .map((rs, ctx) -> new Day(
                            rs.getObject("usage_day", Date.class).toLocalDate(),
                            rs.getLong("events"),
                            Rows.micros(rs, "network_usd_micros"),
                            Rows.micros(rs, "billable_usd_micros"),
                            BigDecimal.ZERO))
                    .forEach(usage -> days.computeIfPresent(
                            usage.day(),
                            (day, d) -> new Day(
                                    day,
                                    usage.events(),
                                    usage.networkMicros(),
                                    usage.billableMicros(),
                                    d.grantedMicros())));
            h.createQuery("SELECT CAST(t.created_at AS DATE) AS grant_day, SUM(t.amount) AS granted"
                            + " FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id"
                            + " WHERE a.account_key = :account AND t.kind = 'GRANT' AND t.created_at >= :start"
                            + " AND t.created_at < :end GROUP BY CAST(t.created_at AS DATE)")
                    .bind("account", AccountKeys.customer(customerKey))
                    .bind("start", start)
                    .bind("end", end)
                    .map((rs, ctx) ->
                            Map.entry(rs.getObject("grant_day", Date.class).toLocalDate(), Rows.micros(rs, "granted")))
                    .forEach(grant -> days.computeIfPresent(
                            grant.getKey(),
                            (day, d) ->
                                    new Day(day, d.events(), d.networkMicros(), d.billableMicros(), grant.getValue())));
            return null;
        });
        return new ArrayList<>(days.values());
    }

    /**
     * One UTC day.
     *
     * @param day            the date
     * @param events         metered events
     * @param networkMicros  network fee, USD micros
     * @param billableMicros billable usage, USD micros
     * @param grantedMicros  credit granted, USD micros
     */
    public record Day(
            LocalDate day,
            long events,
            BigDecimal networkMicros,
            BigDecimal billableMicros,
            BigDecimal grantedMicros) {}
}
