package io.livepeer.clearinghouse.ledger.credit;

import io.livepeer.clearinghouse.ledger.Amounts;
import io.livepeer.clearinghouse.ledger.Database;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
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
        OffsetDateTime start = from.atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime end = to.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
        database.withConnection(c -> {
            // the pool sets every session to UTC, so CAST(... AS DATE) is the UTC day on both databases
            try (PreparedStatement usage = c.prepareStatement("SELECT CAST(event_time AS DATE), COUNT(*),"
                    + " SUM(network_usd_micros), SUM(billable_usd_micros) FROM outbox_events"
                    + " WHERE subject = ? AND event_time >= ? AND event_time < ? GROUP BY CAST(event_time AS DATE)")) {
                usage.setString(1, customerKey);
                usage.setObject(2, start);
                usage.setObject(3, end);
                try (ResultSet rs = usage.executeQuery()) {
                    while (rs.next()) {
                        LocalDate day = rs.getObject(1, Date.class).toLocalDate();
                        Day d = days.get(day);
                        if (d != null) {
                            days.put(day, new Day(day, rs.getLong(2), Amounts.micros(rs.getBigDecimal(3)),
                                    Amounts.micros(rs.getBigDecimal(4)), d.grantedMicros()));
                        }
                    }
                }
            }
            try (PreparedStatement grants = c.prepareStatement("SELECT CAST(t.created_at AS DATE), SUM(t.amount)"
                    + " FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id"
                    + " WHERE a.account_key = ? AND t.kind = 'GRANT' AND t.created_at >= ? AND t.created_at < ?"
                    + " GROUP BY CAST(t.created_at AS DATE)")) {
                grants.setString(1, AccountKeys.customer(customerKey));
                grants.setObject(2, start);
                grants.setObject(3, end);
                try (ResultSet rs = grants.executeQuery()) {
                    while (rs.next()) {
                        LocalDate day = rs.getObject(1, Date.class).toLocalDate();
                        Day d = days.get(day);
                        if (d != null) {
                            days.put(day, new Day(day, d.events(), d.networkMicros(), d.billableMicros(),
                                    Amounts.micros(rs.getBigDecimal(2))));
                        }
                    }
                }
            }
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
    public record Day(LocalDate day, long events, BigDecimal networkMicros, BigDecimal billableMicros,
                      BigDecimal grantedMicros) {
    }
}
