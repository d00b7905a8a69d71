package db.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Issue 10, performance: the immutable outbox row <b>is</b> the usage posting. Portable SQL (PostgreSQL, H2 in
 * PostgreSQL mode); a Java migration only because the new shared sequence must start above both tables' highest
 * {@code seq}, and the two engines share no statement that sets a sequence from a query (H2 has no {@code setval},
 * PostgreSQL takes no expression in {@code RESTART WITH}): the value is read first, then written as a literal.
 *
 * <ul>
 *   <li>{@code outbox_events.usage_debit_account_id / usage_credit_account_id}: set when the metering batch posted the
 *       event's usage (customer → {@code system:usage_revenue}, the billable amount), NULL when the fan-out was off or
 *       the row predates V9 (its usage transfer, if any, is a {@code ledger_transfers} row). No second row is
 *       written: the usage transfer {@code usage:<event_id>} is a view over the outbox row.
 *   <li>{@code outbox_events.orch_address}: kept for the usage transfer's metadata (it was only in the CloudEvent;
 *       4000 like the metadata column that held it).
 *   <li>{@code ledger_seq}: one sequence for {@code ledger_transfers.seq} and {@code outbox_events.seq}, so usage held
 *       in the outbox and the other transfers share one order (history pages and their {@code before} cursor).
 *   <li>{@code ledger_postings}: every transfer, the rows of {@code ledger_transfers} and the postings held by
 *       {@code outbox_events}, with the columns of {@code ledger_transfers} (metadata NULL for outbox postings: it is
 *       built from their columns, see {@code Ledger}).
 * </ul>
 *
 * <p>Released: never change it (MigrationsTest pins {@link #getChecksum()}).
 */
public class V9__usage_postings_in_outbox extends BaseJavaMigration {

    /** Pinned in MigrationsTest; change never (a released migration). */
    private static final int CHECKSUM = 90_000_001;

    private static final String[] BEFORE_SEQUENCE = {
        "ALTER TABLE outbox_events ADD COLUMN orch_address VARCHAR(4000)",
        "ALTER TABLE outbox_events ADD COLUMN usage_debit_account_id BIGINT",
        "ALTER TABLE outbox_events ADD COLUMN usage_credit_account_id BIGINT",
        "ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_usage_ck CHECK ("
                + "(usage_debit_account_id IS NULL AND usage_credit_account_id IS NULL)"
                + " OR (usage_debit_account_id IS NOT NULL AND usage_credit_account_id IS NOT NULL"
                + " AND usage_debit_account_id <> usage_credit_account_id))",
        // no index of its own: one customer's usage history reads outbox_events_subject_seq_ix (subject, seq), the
        // usage revenue account's the seq order; an index here would cost every metering insert
        "CREATE SEQUENCE ledger_seq",
    };

    private static final String[] AFTER_SEQUENCE = {
        "ALTER TABLE outbox_events ALTER COLUMN seq DROP IDENTITY",
        "ALTER TABLE outbox_events ALTER COLUMN seq SET DEFAULT nextval('ledger_seq')",
        "ALTER TABLE ledger_transfers ALTER COLUMN seq DROP IDENTITY",
        "ALTER TABLE ledger_transfers ALTER COLUMN seq SET DEFAULT nextval('ledger_seq')",
        "CREATE VIEW ledger_postings AS"
                + " SELECT t.seq, t.transfer_id, t.debit_account_id, t.credit_account_id, t.amount, t.unit, t.kind,"
                + " t.reverses_id, t.source_event_id, t.created_at, t.metadata FROM ledger_transfers t"
                + " UNION ALL"
                + " SELECT o.seq, 'usage:' || o.event_id, o.usage_debit_account_id, o.usage_credit_account_id,"
                + " CAST(o.billable_usd_micros AS NUMERIC(90, 12)), CAST('USD_MICROS' AS VARCHAR(16)),"
                + " CAST('USAGE' AS VARCHAR(16)), CAST(NULL AS VARCHAR(255)), o.event_id, o.created_at,"
                + " CAST(NULL AS VARCHAR(4000)) FROM outbox_events o WHERE o.usage_debit_account_id IS NOT NULL",
    };

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        try (Statement s = c.createStatement()) {
            for (String sql : BEFORE_SEQUENCE) {
                s.execute(sql);
            }
            long max = 0;
            try (ResultSet rs = s.executeQuery("SELECT COALESCE((SELECT MAX(seq) FROM outbox_events), 0) AS o,"
                    + " COALESCE((SELECT MAX(seq) FROM ledger_transfers), 0) AS t")) {
                if (rs.next()) {
                    max = Math.max(rs.getLong("o"), rs.getLong("t"));
                }
            }
            s.execute("ALTER SEQUENCE ledger_seq RESTART WITH " + (max + 1));
            for (String sql : AFTER_SEQUENCE) {
                s.execute(sql);
            }
        }
    }

    @Override
    public Integer getChecksum() {
        return CHECKSUM;
    }
}
