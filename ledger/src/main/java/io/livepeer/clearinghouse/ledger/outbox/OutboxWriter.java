package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.SqlDialect;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The write side of the usage outbox, used by the metering batch transaction ({@code UsageRecorder}): inserts metered
 * events into {@code outbox_events}, the immutable usage record (one row per event id, never changed or deleted), and
 * queues each new one for delivery with a row in {@code outbox_pending}. Delivery then works on the
 * {@link DeliveryQueue}; the API reads through {@link OutboxQueries}.
 */
public final class OutboxWriter {

    /** Rows per multi-row INSERT: 500 × 23 parameters stays far below PostgreSQL's 32,767 per statement. */
    private static final int ROWS_PER_STATEMENT = 500;

    private static final String EVENT_COLUMNS = "event_id, subject, pipeline, model_id, event_time, fee_wei,"
            + " network_usd_micros, billable_usd_micros, eth_usd_price, cloud_event, kafka_topic, kafka_partition,"
            + " kafka_offset, created_at, payer_address, usd_source, oracle_usd_micros, signer_usd_micros,"
            + " usd_divergence_micros, price_audit_flagged, orch_address, usage_debit_account_id,"
            + " usage_credit_account_id";
    private static final String EVENT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final Database database;

    public OutboxWriter(Database database) {
        this.database = database;
    }

    /**
     * Inserts entries and queues the new ones for delivery, in the caller's transaction when there is one (see
     * {@link Database}); an id already present (or repeated within {@code entries}) is skipped. One multi-row
     * {@code INSERT … ON CONFLICT DO NOTHING} per 500 entries reports the new rows' keys, then one multi-row insert
     * queues them.
     *
     * <p>The hot path of metering: these statements are bound with plain JDBC on the handle's connection, since
     * Jdbi's per-argument binding and SQL parsing cost more client CPU than the inserts themselves at 7,000
     * parameters a statement.
     *
     * @param entries metered events, in consumption order
     * @param now     the write time ({@code created_at})
     * @return for each entry, the new event's {@code seq}, or 0 when it was a duplicate
     * @throws SQLException when a statement fails (the caller's transaction then rolls back as a whole)
     */
    public long[] append(List<OutboxEntry> entries, Instant now) throws SQLException {
        return append(entries, now, null);
    }

    /**
     * Like {@link #append(List, Instant)}, and each new row is also the usage posting of its event (V9: the usage
     * transfer {@code usage:<event_id>} is a view over the outbox row, no second row is written): it records the
     * accounts the billable amount moves between. The caller updates the accounts' balances in the same transaction
     * for the new rows only ({@code Ledger#applyUsage}).
     *
     * @param usage the accounts of each subject's usage posting, or null when the usage is not posted (fan-out off)
     */
    public long[] append(List<OutboxEntry> entries, Instant now, UsageAccounts usage) throws SQLException {
        long[] seqs = new long[entries.size()];
        if (entries.isEmpty()) {
            return seqs;
        }
        OffsetDateTime created = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        return database.inTransaction(h -> {
            Connection c = h.getConnection();
            for (int from = 0; from < entries.size(); from += ROWS_PER_STATEMENT) {
                int to = Math.min(entries.size(), from + ROWS_PER_STATEMENT);
                Map<String, Long> inserted = new HashMap<>();
                boolean pg = database.dialect() == SqlDialect.POSTGRESQL;
                try (PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO outbox_events (" + EVENT_COLUMNS + ") "
                                + (pg ? EVENT_ARRAYS : "VALUES " + rows(EVENT_ROW, to - from))
                                + " ON CONFLICT DO NOTHING",
                        new String[] {"seq", "event_id"})) {
                    if (pg) {
                        bindArrays(c, insert, entries.subList(from, to), created, usage);
                    } else {
                        int p = 1;
                        for (int i = from; i < to; i++) {
                            p = bind(insert, p, entries.get(i), created, usage);
                        }
                    }
                    insert.executeUpdate();
                    try (ResultSet keys = insert.getGeneratedKeys()) {
                        while (keys.next()) {
                            inserted.put(keys.getString("event_id"), keys.getLong("seq"));
                        }
                    }
                }
                for (int i = from; i < to; i++) {
                    Long seq = inserted.remove(entries.get(i).eventId()); // remove: a repeat in the batch stays 0
                    seqs[i] = seq == null ? 0 : seq;
                }
                queue(c, seqs, from, to, pg);
            }
            return seqs;
        });
    }

    /** Adds the new events among {@code seqs[from, to)} to {@code outbox_pending}. */
    private static void queue(Connection c, long[] seqs, int from, int to, boolean pg) throws SQLException {
        int count = 0;
        for (int i = from; i < to; i++) {
            count += seqs[i] > 0 ? 1 : 0;
        }
        if (count == 0) {
            return;
        }
        if (pg) {
            // one array: the same statement text for every batch (planned once per connection)
            Object[] fresh = new Object[count];
            int k = 0;
            for (int i = from; i < to; i++) {
                if (seqs[i] > 0) {
                    fresh[k++] = seqs[i];
                }
            }
            try (PreparedStatement queue =
                    c.prepareStatement("INSERT INTO outbox_pending (seq) SELECT unnest(CAST(? AS BIGINT[]))")) {
                queue.setArray(1, c.createArrayOf("int8", fresh));
                queue.executeUpdate();
            }
            return;
        }
        try (PreparedStatement queue =
                c.prepareStatement("INSERT INTO outbox_pending (seq) VALUES " + rows("(?)", count))) {
            int p = 1;
            for (int i = from; i < to; i++) {
                if (seqs[i] > 0) {
                    queue.setLong(p++, seqs[i]);
                }
            }
            queue.executeUpdate();
        }
    }

    /**
     * PostgreSQL: the rows as one array per column ({@link #EVENT_COLUMNS}' order), so the statement text is the same
     * for every batch and the server plans it once per connection, instead of parsing, binding and planning a VALUES
     * list of 11,500 parameters per batch. Rows are inserted in array order (a repeated id: the first one wins).
     */
    private static final String EVENT_ARRAYS = "SELECT * FROM unnest(CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]),"
            + " CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS TIMESTAMP WITH TIME ZONE[]),"
            + " CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[]),"
            + " CAST(? AS TEXT[]), CAST(? AS VARCHAR[]), CAST(? AS INTEGER[]), CAST(? AS BIGINT[]),"
            + " CAST(? AS TIMESTAMP WITH TIME ZONE[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS NUMERIC[]),"
            + " CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[]), CAST(? AS BOOLEAN[]), CAST(? AS VARCHAR[]),"
            + " CAST(? AS BIGINT[]), CAST(? AS BIGINT[]))";

    private static void bindArrays(
            Connection c, PreparedStatement s, List<OutboxEntry> rows, OffsetDateTime created, UsageAccounts usage)
            throws SQLException {
        int n = rows.size();
        String[] types = {
            "varchar", "varchar", "varchar", "varchar", "varchar", "numeric", "numeric", "numeric", "numeric", "text",
            "varchar", "int4", "int8", "varchar", "varchar", "varchar", "numeric", "numeric", "numeric", "bool",
            "varchar", "int8", "int8"
        };
        Object[][] columns = new Object[types.length][n];
        String createdText = created.toString();
        for (int j = 0; j < n; j++) {
            OutboxEntry e = rows.get(j);
            OutboxEntry.UsdAudit audit = e.usdAudit();
            int k = 0;
            columns[k++][j] = e.eventId();
            columns[k++][j] = e.subject();
            columns[k++][j] = e.pipeline();
            columns[k++][j] = e.modelId();
            // timestamps as ISO-8601 text, cast by the server (exact to the nanosecond the column keeps: micros)
            columns[k++][j] =
                    OffsetDateTime.ofInstant(e.eventTime(), ZoneOffset.UTC).toString();
            columns[k++][j] = new BigDecimal(e.feeWei());
            columns[k++][j] = e.networkMicros();
            columns[k++][j] = e.billableMicros();
            columns[k++][j] = e.ethUsdPrice();
            columns[k++][j] = e.cloudEvent();
            columns[k++][j] = e.source() == null ? null : e.source().topic();
            columns[k++][j] = e.source() == null ? null : e.source().partition();
            columns[k++][j] = e.source() == null ? null : e.source().offset();
            columns[k++][j] = createdText;
            columns[k++][j] = e.payerAddress();
            columns[k++][j] = audit.usdSource();
            columns[k++][j] = audit.oracleMicros();
            columns[k++][j] = audit.signerMicros();
            columns[k++][j] = audit.divergenceMicros();
            columns[k++][j] = audit.flagged();
            columns[k++][j] = e.orchAddress();
            columns[k++][j] = usage == null ? null : usage.debitAccount(e.subject());
            columns[k][j] = usage == null ? null : usage.creditAccount();
        }
        for (int k = 0; k < types.length; k++) {
            s.setArray(k + 1, c.createArrayOf(types[k], columns[k]));
        }
    }

    private static int bind(PreparedStatement s, int p, OutboxEntry e, OffsetDateTime created, UsageAccounts usage)
            throws SQLException {
        s.setString(p++, e.eventId());
        s.setString(p++, e.subject());
        s.setString(p++, e.pipeline());
        s.setString(p++, e.modelId());
        s.setObject(p++, OffsetDateTime.ofInstant(e.eventTime(), ZoneOffset.UTC));
        s.setBigDecimal(p++, new BigDecimal(e.feeWei()));
        s.setBigDecimal(p++, e.networkMicros());
        s.setBigDecimal(p++, e.billableMicros());
        s.setBigDecimal(p++, e.ethUsdPrice());
        s.setString(p++, e.cloudEvent());
        if (e.source() == null) {
            s.setNull(p++, Types.VARCHAR);
            s.setNull(p++, Types.INTEGER);
            s.setNull(p++, Types.BIGINT);
        } else {
            s.setString(p++, e.source().topic());
            s.setInt(p++, e.source().partition());
            s.setLong(p++, e.source().offset());
        }
        s.setObject(p++, created);
        OutboxEntry.UsdAudit audit = e.usdAudit();
        s.setString(p++, e.payerAddress());
        s.setString(p++, audit.usdSource());
        s.setBigDecimal(p++, audit.oracleMicros());
        s.setBigDecimal(p++, audit.signerMicros());
        s.setBigDecimal(p++, audit.divergenceMicros());
        if (audit.flagged() == null) {
            s.setNull(p++, Types.BOOLEAN);
        } else {
            s.setBoolean(p++, audit.flagged());
        }
        s.setString(p++, e.orchAddress());
        if (usage == null) {
            s.setNull(p++, Types.BIGINT);
            s.setNull(p++, Types.BIGINT);
        } else {
            s.setLong(p++, usage.debitAccount(e.subject()));
            s.setLong(p++, usage.creditAccount());
        }
        return p;
    }

    /**
     * The ledger accounts of usage postings held by outbox rows (see {@link #append(List, Instant, UsageAccounts)}).
     *
     * @param debitAccounts subject → id of its {@code customer:<subject>} account (every subject of the entries)
     * @param creditAccount id of {@code system:usage_revenue}
     */
    public record UsageAccounts(Map<String, Long> debitAccounts, long creditAccount) {

        public UsageAccounts {
            debitAccounts = Map.copyOf(debitAccounts);
        }

        long debitAccount(String subject) {
            Long id = debitAccounts.get(subject);
            if (id == null) {
                throw new IllegalArgumentException("no customer account for subject " + subject);
            }
            return id;
        }
    }

    /** {@code count} copies of a {@code VALUES} row, comma-separated. */
    static String rows(String row, int count) {
        return String.join(", ", Collections.nCopies(count, row));
    }
}
