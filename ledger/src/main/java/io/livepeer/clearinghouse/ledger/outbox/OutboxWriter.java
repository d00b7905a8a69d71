package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.PgArrays;
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
                        bindArrays(insert, entries.subList(from, to), created, usage);
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
            long[] fresh = new long[count];
            int k = 0;
            for (int i = from; i < to; i++) {
                if (seqs[i] > 0) {
                    fresh[k++] = seqs[i];
                }
            }
            try (PreparedStatement queue =
                    c.prepareStatement("INSERT INTO outbox_pending (seq) SELECT unnest(CAST(? AS BIGINT[]))")) {
                PgArrays.longs(queue, 1, fresh);
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
            PreparedStatement s, List<OutboxEntry> rows, OffsetDateTime created, UsageAccounts usage)
            throws SQLException {
        int n = rows.size();
        String[] eventIds = new String[n];
        String[] subjects = new String[n];
        String[] pipelines = new String[n];
        String[] models = new String[n];
        String[] eventTimes = new String[n];
        BigDecimal[] fees = new BigDecimal[n];
        BigDecimal[] network = new BigDecimal[n];
        BigDecimal[] billable = new BigDecimal[n];
        BigDecimal[] prices = new BigDecimal[n];
        String[] cloudEvents = new String[n];
        String[] topics = new String[n];
        Integer[] partitions = new Integer[n];
        Long[] offsets = new Long[n];
        String[] createdAt = new String[n];
        String[] payers = new String[n];
        String[] usdSources = new String[n];
        BigDecimal[] oracle = new BigDecimal[n];
        BigDecimal[] signer = new BigDecimal[n];
        BigDecimal[] divergence = new BigDecimal[n];
        Boolean[] flagged = new Boolean[n];
        String[] orchs = new String[n];
        Long[] debits = new Long[n];
        Long[] credits = new Long[n];
        String createdText = created.toString();
        for (int j = 0; j < n; j++) {
            OutboxEntry e = rows.get(j);
            OutboxEntry.UsdAudit audit = e.usdAudit();
            eventIds[j] = e.eventId();
            subjects[j] = e.subject();
            pipelines[j] = e.pipeline();
            models[j] = e.modelId();
            // timestamps as ISO-8601 text, cast by the server (exact to the nanosecond the column keeps: micros)
            eventTimes[j] =
                    OffsetDateTime.ofInstant(e.eventTime(), ZoneOffset.UTC).toString();
            fees[j] = new BigDecimal(e.feeWei());
            network[j] = e.networkMicros();
            billable[j] = e.billableMicros();
            prices[j] = e.ethUsdPrice();
            cloudEvents[j] = e.cloudEvent();
            topics[j] = e.source() == null ? null : e.source().topic();
            partitions[j] = e.source() == null ? null : e.source().partition();
            offsets[j] = e.source() == null ? null : e.source().offset();
            createdAt[j] = createdText;
            payers[j] = e.payerAddress();
            usdSources[j] = audit.usdSource();
            oracle[j] = audit.oracleMicros();
            signer[j] = audit.signerMicros();
            divergence[j] = audit.divergenceMicros();
            flagged[j] = audit.flagged();
            orchs[j] = e.orchAddress();
            debits[j] = usage == null ? null : usage.debitAccount(e.subject());
            credits[j] = usage == null ? null : usage.creditAccount();
        }
        // binary array parameters (PgArrays): the CloudEvent texts are no longer escaped into an array literal by the
        // driver and parsed back by the server
        int k = 1;
        PgArrays.strings(s, k++, eventIds);
        PgArrays.strings(s, k++, subjects);
        PgArrays.strings(s, k++, pipelines);
        PgArrays.strings(s, k++, models);
        PgArrays.strings(s, k++, eventTimes);
        PgArrays.decimals(s, k++, fees);
        PgArrays.decimals(s, k++, network);
        PgArrays.decimals(s, k++, billable);
        PgArrays.decimals(s, k++, prices);
        PgArrays.strings(s, k++, cloudEvents);
        PgArrays.strings(s, k++, topics);
        PgArrays.ints(s, k++, partitions);
        PgArrays.longs(s, k++, offsets);
        PgArrays.strings(s, k++, createdAt);
        PgArrays.strings(s, k++, payers);
        PgArrays.strings(s, k++, usdSources);
        PgArrays.decimals(s, k++, oracle);
        PgArrays.decimals(s, k++, signer);
        PgArrays.decimals(s, k++, divergence);
        PgArrays.booleans(s, k++, flagged);
        PgArrays.strings(s, k++, orchs);
        PgArrays.longs(s, k++, debits);
        PgArrays.longs(s, k, credits);
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
