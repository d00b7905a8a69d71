package io.livepeer.clearinghouse.ledger.credit;

import io.livepeer.clearinghouse.ledger.Amounts;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.Rows;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The double-entry credit ledger (TigerBeetle's model, DESIGN.md §8). Every movement is an immutable transfer
 * between two accounts of the same unit; each account's {@code debits_posted}/{@code credits_posted} are updated in
 * the same transaction, in account-id order (so concurrent postings never deadlock), and can always be recomputed
 * from the transfers ({@link Reconciliation}). Transfers are never updated or deleted: a correction is a
 * {@link TransferKind#REVERSAL} that names the transfer it reverses. Thread-safe.
 *
 * <p>Each method is its own transaction, or joins the caller's ({@link Database}'s one rule): {@link #postUsage} is
 * meant to run inside the metering batch transaction.
 */
public final class Ledger {

    private static final String ACCOUNT_COLUMNS = "id, account_key, kind, unit, debits_must_not_exceed_credits,"
            + " debits_posted, credits_posted, created_at, metadata";
    private static final String TRANSFERS_WITH_KEYS = "SELECT t.seq, t.transfer_id, d.account_key AS debit_key,"
            + " c.account_key AS credit_key, t.amount, t.unit, t.kind, t.reverses_id, t.source_event_id, t.created_at,"
            + " t.metadata FROM ledger_transfers t JOIN ledger_accounts d ON d.id = t.debit_account_id"
            + " JOIN ledger_accounts c ON c.id = t.credit_account_id";
    /** Rows per multi-row statement (7 parameters a row; PostgreSQL allows 32,767 per statement). */
    private static final int ROWS_PER_STATEMENT = 500;

    private static final RowMapper<Account> ACCOUNT = (rs, ctx) -> new Account(
            rs.getLong("id"),
            rs.getString("account_key"),
            AccountKind.valueOf(rs.getString("kind")),
            Unit.valueOf(rs.getString("unit")),
            rs.getBoolean("debits_must_not_exceed_credits"),
            Rows.micros(rs, "debits_posted"),
            Rows.micros(rs, "credits_posted"),
            Rows.instant(rs, "created_at"),
            rs.getString("metadata"));
    private static final RowMapper<Transfer> TRANSFER = (rs, ctx) -> new Transfer(
            rs.getLong("seq"),
            rs.getString("transfer_id"),
            rs.getString("debit_key"),
            rs.getString("credit_key"),
            Rows.micros(rs, "amount"),
            Unit.valueOf(rs.getString("unit")),
            TransferKind.valueOf(rs.getString("kind")),
            rs.getString("reverses_id"),
            rs.getString("source_event_id"),
            Rows.instant(rs, "created_at"),
            rs.getString("metadata"));

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
        return database.withHandle(
                h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts WHERE account_key = :key")
                        .bind("key", key)
                        .map(ACCOUNT)
                        .findOne());
    }

    /**
     * Accounts ordered by key, optionally of one kind.
     *
     * @param kind   filter, or null
     * @param offset rows to skip
     * @param limit  page size
     */
    public List<Account> accounts(AccountKind kind, int offset, int limit) throws SQLException {
        return database.withHandle(h -> {
            Query query = h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts"
                            + (kind == null ? "" : " WHERE kind = :kind")
                            + " ORDER BY account_key LIMIT :limit OFFSET :offset")
                    .bind("limit", limit)
                    .bind("offset", offset);
            if (kind != null) {
                query.bind("kind", kind.name());
            }
            return query.map(ACCOUNT).list();
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
            throw new LedgerException.Invalid(
                    "debits_must_not_exceed_credits",
                    "customer accounts take usage even when it overdraws them; the signer bridge gates spending");
        }
        database.inTransaction(h -> insertAccount(h, key, spec, debitsMustNotExceedCredits, metadata));
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
            throw new LedgerException.Invalid(
                    "account",
                    "a transfer between " + debit.unit() + " and " + credit.unit()
                            + " accounts is refused: both sides must have the same unit");
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
            boolean created = database.inTransaction(h -> {
                long debitId = insertAccount(h, t.debitAccount(), debit, false, null);
                long creditId = insertAccount(h, t.creditAccount(), credit, false, null);
                int inserted = h.createUpdate("INSERT INTO ledger_transfers (transfer_id, debit_account_id,"
                                + " credit_account_id, amount, unit, kind, reverses_id, source_event_id, created_at,"
                                + " metadata) VALUES (:id, :debit, :credit, :amount, :unit, :kind, :reverses_id,"
                                + " :source_event_id, :created_at, :metadata) ON CONFLICT DO NOTHING")
                        .bind("id", t.id())
                        .bind("debit", debitId)
                        .bind("credit", creditId)
                        .bind("amount", t.amount())
                        .bind("unit", debit.unit().name())
                        .bind("kind", t.kind().name())
                        .bind("reverses_id", t.reversesId())
                        .bind("source_event_id", t.sourceEventId())
                        .bind("created_at", now)
                        .bind("metadata", t.metadata())
                        .execute();
                if (inserted == 0) {
                    return false; // posted concurrently under the same id: compare below
                }
                Map<Long, BigDecimal[]> movements = new TreeMap<>();
                movements.put(debitId, new BigDecimal[] {t.amount(), BigDecimal.ZERO});
                movements.put(creditId, new BigDecimal[] {BigDecimal.ZERO, t.amount()});
                applyMovements(h, movements);
                return true;
            });
            Transfer stored = transfer(t.id()).orElseThrow();
            return new Posted(created ? stored : same(stored, t), created);
        } catch (SQLException e) {
            if (violates(e, "ledger_accounts_limit_ck")) {
                throw new LedgerException.InsufficientFunds(
                        "amount", "account " + t.debitAccount() + " refuses debits beyond its credits");
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
        Transfer original =
                transfer(transferId).orElseThrow(() -> new LedgerException.NotFound("id", "no transfer " + transferId));
        if (original.kind() == TransferKind.REVERSAL) {
            throw new LedgerException.Invalid(
                    "id",
                    "transfer " + transferId + " is a reversal; post a new transfer"
                            + " instead of reversing a reversal");
        }
        String metadata = reason == null ? null : Metadata.of("reason", reason);
        return post(new NewTransfer(
                "reversal:" + original.id(),
                original.creditAccount(),
                original.debitAccount(),
                original.amount(),
                TransferKind.REVERSAL,
                original.id(),
                original.sourceEventId(),
                metadata));
    }

    /** The transfer with this id, if any. */
    public Optional<Transfer> transfer(String id) throws SQLException {
        return database.withHandle(h -> h.createQuery(TRANSFERS_WITH_KEYS + " WHERE t.transfer_id = :id")
                .bind("id", id)
                .map(TRANSFER)
                .findOne());
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
    public List<Transfer> transfers(String account, TransferKind kind, Instant from, Instant to, Long before, int limit)
            throws SQLException {
        return database.withHandle(h -> {
            Long accountId = null;
            if (account != null) {
                accountId = lookupId(h, account);
                if (accountId == null) {
                    throw new LedgerException.NotFound("account", "no account " + account);
                }
            }
            String where = " WHERE 1 = 1"
                    + (kind == null ? "" : " AND t.kind = :kind")
                    + (from == null ? "" : " AND t.created_at >= :from")
                    + (to == null ? "" : " AND t.created_at < :to")
                    + (before == null ? "" : " AND t.seq < :before");
            // for one account: one index range per side, merged ((debit_account_id, seq) and (credit_account_id, seq))
            String sql = accountId == null
                    ? TRANSFERS_WITH_KEYS + where + " ORDER BY t.seq DESC LIMIT :limit"
                    : "SELECT * FROM (" + TRANSFERS_WITH_KEYS + where + " AND t.debit_account_id = :account"
                            + " UNION ALL " + TRANSFERS_WITH_KEYS + where + " AND t.credit_account_id = :account) x"
                            + " ORDER BY x.seq DESC LIMIT :limit";
            Query query = h.createQuery(sql).bind("limit", limit);
            if (accountId != null) {
                query.bind("account", accountId);
            }
            if (kind != null) {
                query.bind("kind", kind.name());
            }
            if (from != null) {
                query.bind("from", from);
            }
            if (to != null) {
                query.bind("to", to);
            }
            if (before != null) {
                query.bind("before", before);
            }
            return query.map(TRANSFER).list();
        });
    }

    // ---- usage fan-out -------------------------------------------------------------------------------------------

    /**
     * Posts the usage of newly metered events, joining the caller's transaction (the one that writes their outbox
     * rows): for each, {@code customer:<key>} → {@link AccountKeys#USAGE_REVENUE} for the billable amount, with id
     * {@code usage:<event id>}. Customer accounts are created on first use; usage may overdraw them. Transfers are
     * inserted with one multi-row statement per 500; balances are updated once per account per batch, in account-id
     * order.
     *
     * @return transfers posted (an id already present is skipped)
     */
    public int postUsage(List<UsagePosting> usage, Instant now) throws SQLException {
        if (usage.isEmpty()) {
            return 0;
        }
        return database.inTransaction(h -> {
            long revenue = accountId(h, AccountKeys.USAGE_REVENUE);
            Map<String, Long> customers = new HashMap<>();
            for (UsagePosting u : usage) {
                String key = AccountKeys.customer(u.customerKey());
                if (!customers.containsKey(key)) {
                    customers.put(key, accountId(h, key));
                }
            }
            boolean[] inserted = insertUsage(h, usage, customers, revenue, now);
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
                applyMovements(h, movements);
            }
            return posted;
        });
    }

    /**
     * Inserts the usage transfers; for each posting, whether it was new (its id was not taken). Plain JDBC on the
     * handle's connection, like the rest of the metering hot path ({@code OutboxWriter}).
     */
    private static boolean[] insertUsage(
            Handle h, List<UsagePosting> usage, Map<String, Long> customers, long revenue, Instant now)
            throws SQLException {
        boolean[] inserted = new boolean[usage.size()];
        OffsetDateTime created = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        for (int from = 0; from < usage.size(); from += ROWS_PER_STATEMENT) {
            int to = Math.min(usage.size(), from + ROWS_PER_STATEMENT);
            Set<String> ids = new HashSet<>();
            try (PreparedStatement insert = h.getConnection()
                    .prepareStatement(
                            "INSERT INTO ledger_transfers"
                                    + " (transfer_id, debit_account_id, credit_account_id, amount, unit, kind, source_event_id,"
                                    + " created_at, metadata) VALUES "
                                    + rows("(?, ?, ?, ?, 'USD_MICROS', 'USAGE', ?, ?, ?)", to - from)
                                    + " ON CONFLICT DO NOTHING",
                            new String[] {"transfer_id"})) {
                int p = 1;
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
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    while (keys.next()) {
                        ids.add(keys.getString("transfer_id"));
                    }
                }
            }
            for (int i = from; i < to; i++) {
                inserted[i] = ids.remove(UsagePosting.transferId(usage.get(i).eventId()));
            }
        }
        return inserted;
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    /**
     * Adds debits and credits to accounts in one set-based statement (per-row updates made the usage fan-out cost
     * two thirds of the pipeline's throughput with a few hundred customers per batch). Rows are locked in ascending
     * id order first, so concurrent writers never deadlock (LedgerConcurrencyTest). Plain JDBC (hot path, a statement
     * of a different length for every batch).
     */
    private void applyMovements(Handle h, Map<Long, BigDecimal[]> movements) throws SQLException {
        List<Map.Entry<Long, BigDecimal[]>> sorted = new ArrayList<>(new TreeMap<>(movements).entrySet());
        Connection c = h.getConnection();
        for (int from = 0; from < sorted.size(); from += ROWS_PER_STATEMENT) {
            List<Map.Entry<Long, BigDecimal[]>> chunk =
                    sorted.subList(from, Math.min(sorted.size(), from + ROWS_PER_STATEMENT));
            try (PreparedStatement lock =
                    c.prepareStatement("SELECT id FROM ledger_accounts WHERE id IN (" + rows("?", chunk.size())
                            + ") ORDER BY id " + database.dialect().rowLockForUpdate())) {
                for (int i = 0; i < chunk.size(); i++) {
                    lock.setLong(i + 1, chunk.get(i).getKey());
                }
                try (ResultSet rs = lock.executeQuery()) {
                    while (rs.next()) {
                        rs.getLong("id");
                    }
                }
            }
            // NUMERIC(90, 12) is the columns' type: H2 would otherwise cut the fraction off an untyped NUMERIC
            try (PreparedStatement update = c.prepareStatement(database.dialect()
                    .updateFromValues(
                            "ledger_accounts a",
                            "(VALUES "
                                    + rows(
                                            "(CAST(? AS BIGINT), CAST(? AS NUMERIC(90, 12)), CAST(? AS NUMERIC(90, 12)))",
                                            chunk.size())
                                    + ") AS v(id, d, c)",
                            "a.id = v.id",
                            "debits_posted = a.debits_posted + v.d, credits_posted = a.credits_posted + v.c"))) {
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
    private long accountId(Handle h, String key) throws SQLException {
        Long cached = accountIds.get(key);
        if (cached != null) {
            return cached;
        }
        return insertAccount(h, key, AccountKeys.parse(key), false, null);
    }

    /**
     * Creates the account unless it exists and returns its id. Only accounts that existed before this transaction
     * are cached: a row created here is not committed yet and could still roll back.
     */
    private long insertAccount(Handle h, String key, AccountKeys.Spec spec, boolean limit, String metadata)
            throws SQLException {
        Long id = lookupId(h, key);
        if (id != null) {
            accountIds.put(key, id);
            return id;
        }
        h.createUpdate("INSERT INTO ledger_accounts (account_key, kind, unit, debits_must_not_exceed_credits,"
                        + " created_at, metadata) VALUES (:key, :kind, :unit, :limit, :created_at, :metadata)"
                        + " ON CONFLICT DO NOTHING")
                .bind("key", key)
                .bind("kind", spec.kind().name())
                .bind("unit", spec.unit().name())
                .bind("limit", limit)
                .bind("created_at", clock.instant())
                .bind("metadata", metadata)
                .execute();
        id = lookupId(h, key);
        if (id == null) {
            throw new SQLException("account " + key + " could not be created");
        }
        return id;
    }

    private static Long lookupId(Handle h, String key) {
        return h.createQuery("SELECT id FROM ledger_accounts WHERE account_key = :key")
                .bind("key", key)
                .map((rs, ctx) -> rs.getLong("id"))
                .findOne()
                .orElse(null);
    }

    /** {@code count} copies of a {@code VALUES} row or placeholder, comma-separated. */
    private static String rows(String row, int count) {
        return String.join(", ", Collections.nCopies(count, row));
    }

    private static Transfer same(Transfer stored, NewTransfer asked) {
        boolean same = stored.debitAccount().equals(asked.debitAccount())
                && stored.creditAccount().equals(asked.creditAccount())
                && stored.amount().compareTo(asked.amount()) == 0
                && stored.kind() == asked.kind();
        if (!same) {
            throw new LedgerException.Conflict(
                    "transfer_id",
                    "transfer id " + asked.id() + " was already used for "
                            + stored.kind() + " of "
                            + Amounts.micros(stored.amount()).toPlainString() + " " + stored.unit()
                            + " from " + stored.debitAccount() + " to " + stored.creditAccount());
        }
        return stored;
    }

    /**
     * A posting's result.
     *
     * @param transfer the transfer (the first one, for a repeated id)
     * @param created  whether this call created it
     */
    public record Posted(Transfer transfer, boolean created) {}

    /** Whether an exception (or one chained to it) is a violation of the named constraint. */
    static boolean violates(SQLException e, String constraint) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(constraint)) {
                return true;
            }
            if (t instanceof SQLException sql
                    && sql.getNextException() != null
                    && String.valueOf(sql.getNextException().getMessage()).contains(constraint)) {
                return true;
            }
        }
        return false;
    }
}
