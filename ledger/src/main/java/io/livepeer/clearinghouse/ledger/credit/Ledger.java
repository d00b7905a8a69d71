package io.livepeer.clearinghouse.ledger.credit;

import io.livepeer.clearinghouse.ledger.Amounts;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Metadata;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The double-entry credit ledger (TigerBeetle's model, DESIGN.md §8). Every movement is an immutable transfer
 * between two accounts of the same unit; each account's {@code debits_posted}/{@code credits_posted} are updated in
 * the same transaction, in account-id order (so concurrent postings never deadlock), and can always be recomputed
 * from the transfers ({@link Reconciliation}). Transfers are never updated or deleted: a correction is a
 * {@link TransferKind#REVERSAL} that names the transfer it reverses. Thread-safe.
 */
public final class Ledger {

    private static final String ACCOUNT_COLUMNS = "id, account_key, kind, unit, debits_must_not_exceed_credits,"
            + " debits_posted, credits_posted, created_at, metadata";
    private static final String TRANSFER_COLUMNS = "t.seq, t.transfer_id, d.account_key AS debit_key,"
            + " c.account_key AS credit_key, t.amount,"
            + " t.unit, t.kind, t.reverses_id, t.source_event_id, t.created_at, t.metadata";
    private static final int PG_ROWS_PER_INSERT = 500;

    private final Database database;
    private final Clock clock;
    /** Committed accounts: key → id. Accounts are never deleted, so an entry never goes stale. */
    private final Map<String, Long> accountIds = new ConcurrentHashMap<>();

    public Ledger(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** The database. */
    public Database database() {
        return database;
    }

    // ---- accounts ------------------------------------------------------------------------------------------------

    /** The account with this key, if it exists. */
    public Optional<Account> account(String key) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS
                    + " FROM ledger_accounts WHERE account_key = ?")) {
                select.setString(1, key);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? Optional.of(account(rs)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Accounts ordered by key, optionally of one kind.
     *
     * @param kind   filter, or null
     * @param offset rows to skip
     * @param limit  page size
     */
    public List<Account> accounts(AccountKind kind, int offset, int limit) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts"
                    + (kind == null ? "" : " WHERE kind = ?") + " ORDER BY account_key LIMIT ? OFFSET ?")) {
                int i = 1;
                if (kind != null) {
                    select.setString(i++, kind.name());
                }
                select.setInt(i++, limit);
                select.setInt(i, offset);
                List<Account> page = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        page.add(account(rs));
                    }
                }
                return page;
            }
        });
    }

    /**
     * Opens an account (or returns it when it exists), optionally refusing debits beyond its credits.
     *
     * @throws LedgerException.Invalid for an unknown key, or the limit flag on a customer account (usage that
     *                                 already happened on the network must always post)
     */
    public Account open(String key, boolean debitsMustNotExceedCredits, String metadata) throws SQLException {
        AccountKeys.Spec spec = AccountKeys.parse(key);
        if (debitsMustNotExceedCredits && spec.kind() == AccountKind.CUSTOMER) {
            throw new LedgerException.Invalid("debits_must_not_exceed_credits",
                    "customer accounts take usage even when it overdraws them; the signer bridge gates spending");
        }
        database.inTransaction(c -> {
            insertAccount(c, key, spec, debitsMustNotExceedCredits, metadata);
            return null;
        });
        return account(key).orElseThrow();
    }

    // ---- transfers -----------------------------------------------------------------------------------------------

    /**
     * Posts one transfer in its own transaction. Accounts are created on first use.
     *
     * @return the transfer, and whether it was created now ({@code false}: the same id was posted before with the
     *         same accounts, amount and kind, and that first transfer is returned)
     * @throws LedgerException.Invalid           bad amount, unknown account key, different units, same account twice
     * @throws LedgerException.Conflict          the id was used for a different transfer
     * @throws LedgerException.InsufficientFunds the debit account refuses debits beyond its credits
     */
    public Posted post(NewTransfer t) throws SQLException {
        if (t.id() == null || t.id().isBlank() || t.id().length() > 255) {
            throw new LedgerException.Invalid("transfer_id", "transfer id is required, at most 255 characters");
        }
        AccountKeys.Spec debit = AccountKeys.parse(t.debitAccount());
        AccountKeys.Spec credit = AccountKeys.parse(t.creditAccount());
        if (debit.unit() != credit.unit()) {
            throw new LedgerException.Invalid("account", "a transfer between " + debit.unit() + " and "
                    + credit.unit() + " accounts is refused: both sides must have the same unit");
        }
        if (t.debitAccount().equals(t.creditAccount())) {
            throw new LedgerException.Invalid("account", "debit and credit account are the same");
        }
        debit.unit().check(t.amount(), "amount");
        Optional<Transfer> existing = transfer(t.id());
        if (existing.isPresent()) {
            return new Posted(same(existing.get(), t), false);
        }
        Instant now = clock.instant();
        try {
            boolean created = database.inTransaction(c -> {
                long debitId = insertAccount(c, t.debitAccount(), debit, false, null);
                long creditId = insertAccount(c, t.creditAccount(), credit, false, null);
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger_transfers (transfer_id,"
                        + " debit_account_id, credit_account_id, amount, unit, kind, reverses_id, source_event_id,"
                        + " created_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                    insert.setString(1, t.id());
                    insert.setLong(2, debitId);
                    insert.setLong(3, creditId);
                    insert.setBigDecimal(4, t.amount());
                    insert.setString(5, debit.unit().name());
                    insert.setString(6, t.kind().name());
                    insert.setString(7, t.reversesId());
                    insert.setString(8, t.sourceEventId());
                    insert.setObject(9, utc(now));
                    insert.setString(10, t.metadata());
                    if (insert.executeUpdate() == 0) {
                        return false;   // posted concurrently under the same id: compare below
                    }
                }
                Map<Long, BigDecimal[]> movements = new TreeMap<>();
                movements.put(debitId, new BigDecimal[] {t.amount(), BigDecimal.ZERO});
                movements.put(creditId, new BigDecimal[] {BigDecimal.ZERO, t.amount()});
                applyMovements(c, movements);
                return true;
            });
            Transfer stored = transfer(t.id()).orElseThrow();
            return new Posted(created ? stored : same(stored, t), created);
        } catch (SQLException e) {
            if (violates(e, "ledger_accounts_limit_ck")) {
                throw new LedgerException.InsufficientFunds("amount", "account " + t.debitAccount()
                        + " refuses debits beyond its credits");
            }
            throw e;
        }
    }

    /**
     * Reverses a transfer: a {@link TransferKind#REVERSAL} with debit and credit swapped, id
     * {@code reversal:<id>}, so a transfer can be reversed once (asking again returns that reversal).
     *
     * @throws LedgerException.NotFound unknown transfer
     * @throws LedgerException.Invalid  the transfer is itself a reversal
     */
    public Posted reverse(String transferId, String reason) throws SQLException {
        Transfer original = transfer(transferId).orElseThrow(() ->
                new LedgerException.NotFound("id", "no transfer " + transferId));
        if (original.kind() == TransferKind.REVERSAL) {
            throw new LedgerException.Invalid("id", "transfer " + transferId + " is a reversal; post a new transfer"
                    + " instead of reversing a reversal");
        }
        String metadata = reason == null ? null : Metadata.of("reason", reason);
        return post(new NewTransfer("reversal:" + original.id(), original.creditAccount(), original.debitAccount(),
                original.amount(), TransferKind.REVERSAL, original.id(), original.sourceEventId(), metadata));
    }

    /** The transfer with this id, if any. */
    public Optional<Transfer> transfer(String id) throws SQLException {
        return database.withConnection(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers t"
                    + " JOIN ledger_accounts d ON d.id = t.debit_account_id"
                    + " JOIN ledger_accounts c ON c.id = t.credit_account_id WHERE t.transfer_id = ?")) {
                select.setString(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? Optional.of(transfer(rs)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Transfers newest first.
     *
     * @param account account key (debited or credited), or null for all
     * @param kind    filter, or null
     * @param from    created at or after, or null
     * @param to      created before, or null
     * @param before  cursor: only {@code seq < before}, or null
     * @param limit   page size
     * @throws LedgerException.NotFound for an unknown account
     */
    public List<Transfer> transfers(String account, TransferKind kind, Instant from, Instant to, Long before,
                                    int limit) throws SQLException {
        return database.withConnection(c -> {
            Long accountId = null;
            if (account != null) {
                accountId = lookupId(c, account);
                if (accountId == null) {
                    throw new LedgerException.NotFound("account", "no account " + account);
                }
            }
            List<Object> params = new ArrayList<>();
            StringBuilder where = new StringBuilder(" WHERE 1 = 1");
            if (kind != null) {
                where.append(" AND t.kind = ?");
                params.add(kind.name());
            }
            if (from != null) {
                where.append(" AND t.created_at >= ?");
                params.add(utc(from));
            }
            if (to != null) {
                where.append(" AND t.created_at < ?");
                params.add(utc(to));
            }
            if (before != null) {
                where.append(" AND t.seq < ?");
                params.add(before);
            }
            String base = "SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers t"
                    + " JOIN ledger_accounts d ON d.id = t.debit_account_id"
                    + " JOIN ledger_accounts c ON c.id = t.credit_account_id";
            String sql;
            List<Object> all = new ArrayList<>();
            if (accountId == null) {
                sql = base + where + " ORDER BY t.seq DESC LIMIT ?";
                all.addAll(params);
            } else {
                // one index range per side, merged: both (debit_account_id, seq) and (credit_account_id, seq) apply
                sql = "SELECT * FROM (" + base + where + " AND t.debit_account_id = ? UNION ALL " + base + where
                        + " AND t.credit_account_id = ?) x ORDER BY 1 DESC LIMIT ?";
                all.addAll(params);
                all.add(accountId);
                all.addAll(params);
                all.add(accountId);
            }
            all.add(limit);
            try (PreparedStatement select = c.prepareStatement(sql)) {
                for (int i = 0; i < all.size(); i++) {
                    select.setObject(i + 1, all.get(i));
                }
                List<Transfer> page = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        page.add(transfer(rs));
                    }
                }
                return page;
            }
        });
    }

    // ---- usage fan-out -------------------------------------------------------------------------------------------

    /**
     * Posts the usage of newly metered events inside the caller's transaction (the one that writes their outbox
     * rows): for each, {@code customer:<key>} → {@link AccountKeys#USAGE_REVENUE} for the billable amount, with id
     * {@code usage:<event id>}. Customer accounts are created on first use; usage may overdraw them. Balances are
     * updated once per account per batch, in account-id order.
     *
     * @return transfers posted (an id already present is skipped)
     */
    public int postUsage(Connection c, List<UsagePosting> usage, Instant now) throws SQLException {
        if (usage.isEmpty()) {
            return 0;
        }
        long revenue = accountId(c, AccountKeys.USAGE_REVENUE);
        Map<String, Long> customers = new HashMap<>();
        for (UsagePosting u : usage) {
            String key = AccountKeys.customer(u.customerKey());
            if (!customers.containsKey(key)) {
                customers.put(key, accountId(c, key));
            }
        }
        boolean[] inserted = database.dialect() == Database.Dialect.POSTGRESQL
                ? insertUsagePostgres(c, usage, customers, revenue, now)
                : insertUsageBatch(c, usage, customers, revenue, now);
        Map<Long, BigDecimal[]> movements = new TreeMap<>();
        BigDecimal revenueTotal = BigDecimal.ZERO;
        int posted = 0;
        for (int i = 0; i < usage.size(); i++) {
            if (!inserted[i]) {
                continue;
            }
            posted++;
            BigDecimal amount = usage.get(i).billableMicros();
            long customer = customers.get(AccountKeys.customer(usage.get(i).customerKey()));
            movements.computeIfAbsent(customer, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO})[0] =
                    movements.get(customer)[0].add(amount);
            revenueTotal = revenueTotal.add(amount);
        }
        if (posted > 0) {
            movements.put(revenue, new BigDecimal[] {BigDecimal.ZERO, revenueTotal});
            applyMovements(c, movements);
        }
        return posted;
    }

    private boolean[] insertUsagePostgres(Connection c, List<UsagePosting> usage, Map<String, Long> customers,
                                          long revenue, Instant now) throws SQLException {
        boolean[] inserted = new boolean[usage.size()];
        for (int from = 0; from < usage.size(); from += PG_ROWS_PER_INSERT) {
            int to = Math.min(usage.size(), from + PG_ROWS_PER_INSERT);
            StringBuilder sql = new StringBuilder("INSERT INTO ledger_transfers (transfer_id, debit_account_id,"
                    + " credit_account_id, amount, unit, kind, source_event_id, created_at, metadata) VALUES ");
            for (int i = from; i < to; i++) {
                sql.append(i == from ? "" : ",").append("(?,?,?,?,'USD_MICROS','USAGE',?,?,?)");
            }
            sql.append(" ON CONFLICT DO NOTHING RETURNING transfer_id");
            java.util.Set<String> ids = new java.util.HashSet<>();
            try (PreparedStatement insert = c.prepareStatement(sql.toString())) {
                int p = 1;
                OffsetDateTime created = utc(now);
                for (int i = from; i < to; i++) {
                    UsagePosting u = usage.get(i);
                    insert.setString(p++, UsagePosting.transferId(u.eventId()));
                    insert.setLong(p++, customers.get(AccountKeys.customer(u.customerKey())));
                    insert.setLong(p++, revenue);
                    insert.setBigDecimal(p++, u.billableMicros());
                    insert.setString(p++, u.eventId());
                    insert.setObject(p++, created);
                    insert.setString(p++, u.metadata());
                }
                try (ResultSet rs = insert.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            for (int i = from; i < to; i++) {
                inserted[i] = ids.remove(UsagePosting.transferId(usage.get(i).eventId()));
            }
        }
        return inserted;
    }

    private static boolean[] insertUsageBatch(Connection c, List<UsagePosting> usage, Map<String, Long> customers,
                                              long revenue, Instant now) throws SQLException {
        boolean[] inserted = new boolean[usage.size()];
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger_transfers (transfer_id,"
                + " debit_account_id, credit_account_id, amount, unit, kind, source_event_id, created_at, metadata)"
                + " VALUES (?, ?, ?, ?, 'USD_MICROS', 'USAGE', ?, ?, ?) ON CONFLICT DO NOTHING")) {
            OffsetDateTime created = utc(now);
            for (UsagePosting u : usage) {
                insert.setString(1, UsagePosting.transferId(u.eventId()));
                insert.setLong(2, customers.get(AccountKeys.customer(u.customerKey())));
                insert.setLong(3, revenue);
                insert.setBigDecimal(4, u.billableMicros());
                insert.setString(5, u.eventId());
                insert.setObject(6, created);
                insert.setString(7, u.metadata());
                insert.addBatch();
            }
            int[] counts = insert.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                inserted[i] = counts[i] > 0;
            }
        }
        return inserted;
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    /**
     * Adds debits and credits to accounts in one set-based statement (per-row updates made the usage fan-out cost
     * two thirds of the pipeline's throughput with a few hundred customers per batch). Rows are locked in ascending
     * id order first, so concurrent writers never deadlock (LedgerConcurrencyTest).
     */
    private void applyMovements(Connection c, Map<Long, BigDecimal[]> movements) throws SQLException {
        List<Map.Entry<Long, BigDecimal[]>> sorted = new ArrayList<>(new TreeMap<>(movements).entrySet());
        for (int from = 0; from < sorted.size(); from += PG_ROWS_PER_INSERT) {
            List<Map.Entry<Long, BigDecimal[]>> chunk = sorted.subList(from, Math.min(sorted.size(),
                    from + PG_ROWS_PER_INSERT));
            StringBuilder ids = new StringBuilder();
            StringBuilder values = new StringBuilder();
            for (int i = 0; i < chunk.size(); i++) {
                ids.append(i == 0 ? "?" : ",?");
                values.append(i == 0 ? "" : ",").append(database.dialect() == Database.Dialect.POSTGRESQL
                        ? "(CAST(? AS BIGINT), CAST(? AS NUMERIC), CAST(? AS NUMERIC))"
                        : "(CAST(? AS BIGINT), CAST(? AS NUMERIC(90, 12)), CAST(? AS NUMERIC(90, 12)))");
            }
            // NO KEY UPDATE on PostgreSQL: the lock an UPDATE of non-key columns takes, compatible with the KEY SHARE
            // locks that the transfers' foreign-key checks hold (FOR UPDATE against those deadlocks)
            try (PreparedStatement lock = c.prepareStatement("SELECT id FROM ledger_accounts WHERE id IN (" + ids
                    + ") ORDER BY id FOR " + (database.dialect() == Database.Dialect.POSTGRESQL ? "NO KEY " : "")
                    + "UPDATE")) {
                for (int i = 0; i < chunk.size(); i++) {
                    lock.setLong(i + 1, chunk.get(i).getKey());
                }
                try (ResultSet rs = lock.executeQuery()) {
                    while (rs.next()) {
                        rs.getLong(1);
                    }
                }
            }
            String sql = database.dialect() == Database.Dialect.POSTGRESQL
                    ? "UPDATE ledger_accounts a SET debits_posted = a.debits_posted + v.d,"
                            + " credits_posted = a.credits_posted + v.c FROM (VALUES " + values + ") AS v(id, d, c)"
                            + " WHERE a.id = v.id"
                    : "MERGE INTO ledger_accounts a USING (VALUES " + values + ") AS v(id, d, c) ON a.id = v.id"
                            + " WHEN MATCHED THEN UPDATE SET debits_posted = a.debits_posted + v.d,"
                            + " credits_posted = a.credits_posted + v.c";
            try (PreparedStatement update = c.prepareStatement(sql)) {
                int p = 1;
                for (Map.Entry<Long, BigDecimal[]> m : chunk) {
                    update.setLong(p++, m.getKey());
                    update.setBigDecimal(p++, m.getValue()[0]);
                    update.setBigDecimal(p++, m.getValue()[1]);
                }
                update.executeUpdate();
            }
        }
    }

    /** The id of an account, creating it if needed (inside the caller's transaction). */
    private long accountId(Connection c, String key) throws SQLException {
        Long cached = accountIds.get(key);
        if (cached != null) {
            return cached;
        }
        return insertAccount(c, key, AccountKeys.parse(key), false, null);
    }

    /**
     * Creates the account unless it exists and returns its id. Only accounts that existed before this transaction
     * are cached: a row created here is not committed yet and could still roll back.
     */
    private long insertAccount(Connection c, String key, AccountKeys.Spec spec, boolean limit, String metadata)
            throws SQLException {
        Long id = lookupId(c, key);
        if (id != null) {
            accountIds.put(key, id);
            return id;
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger_accounts (account_key, kind, unit,"
                + " debits_must_not_exceed_credits, created_at, metadata) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
            insert.setString(1, key);
            insert.setString(2, spec.kind().name());
            insert.setString(3, spec.unit().name());
            insert.setBoolean(4, limit);
            insert.setObject(5, utc(clock.instant()));
            insert.setString(6, metadata);
            insert.executeUpdate();
        }
        id = lookupId(c, key);
        if (id == null) {
            throw new SQLException("account " + key + " could not be created");
        }
        return id;
    }

    private static Long lookupId(Connection c, String key) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT id FROM ledger_accounts WHERE account_key = ?")) {
            select.setString(1, key);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static Transfer same(Transfer stored, NewTransfer asked) {
        boolean same = stored.debitAccount().equals(asked.debitAccount())
                && stored.creditAccount().equals(asked.creditAccount())
                && stored.amount().compareTo(asked.amount()) == 0
                && stored.kind() == asked.kind();
        if (!same) {
            throw new LedgerException.Conflict("transfer_id", "transfer id " + asked.id() + " was already used for "
                    + stored.kind() + " of " + Amounts.micros(stored.amount()).toPlainString() + " " + stored.unit()
                    + " from " + stored.debitAccount() + " to " + stored.creditAccount());
        }
        return stored;
    }

    private static Account account(ResultSet rs) throws SQLException {
        return new Account(rs.getLong(1), rs.getString(2), AccountKind.valueOf(rs.getString(3)),
                Unit.valueOf(rs.getString(4)), rs.getBoolean(5), Amounts.micros(rs.getBigDecimal(6)),
                Amounts.micros(rs.getBigDecimal(7)), rs.getObject(8, OffsetDateTime.class).toInstant(),
                rs.getString(9));
    }

    private static Transfer transfer(ResultSet rs) throws SQLException {
        return new Transfer(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                Amounts.micros(rs.getBigDecimal(5)), Unit.valueOf(rs.getString(6)),
                TransferKind.valueOf(rs.getString(7)), rs.getString(8), rs.getString(9),
                rs.getObject(10, OffsetDateTime.class).toInstant(), rs.getString(11));
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /**
     * A posting's result.
     *
     * @param transfer the transfer (the first one, for a repeated id)
     * @param created  whether this call created it
     */
    public record Posted(Transfer transfer, boolean created) {
    }

    /** Whether an exception (or one chained to it) is a violation of the named constraint. */
    static boolean violates(SQLException e, String constraint) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(constraint)) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getNextException() != null
                    && String.valueOf(sql.getNextException().getMessage()).contains(constraint)) {
                return true;
            }
        }
        return false;
    }
}
