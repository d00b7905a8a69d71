package io.livepeer.clearinghouse.ledger.credit;

import io.livepeer.clearinghouse.ledger.Amounts;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.PgArrays;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.SqlDialect;
import io.livepeer.clearinghouse.ledger.outbox.OutboxWriter;
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
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The double-entry credit ledger (TigerBeetle's model, DESIGN.md §8). Every movement is an immutable transfer
 * between two accounts of the same unit; each account's {@code debits_posted}/{@code credits_posted} are updated in
 * the same transaction, in account-id order (so concurrent postings never deadlock), and can always be recomputed
 * from the transfers ({@link Reconciliation}). The one exception is the shared usage revenue account, which metering
 * batches credit without waiting for its row: a batch that cannot lock it at once appends a balance delta instead,
 * and an account's totals are read as its row plus its deltas ({@link #postUsage}). Transfers are never updated or deleted: a correction is a
 * {@link TransferKind#REVERSAL} that names the transfer it reverses. Thread-safe.
 *
 * <p>Each method is its own transaction, or joins the caller's ({@link Database}'s one rule): {@link #postUsage} is
 * meant to run inside the metering batch transaction.
 */
public final class Ledger {

    /**
     * An account's totals as SQL over {@code ledger_accounts a}: its row plus the deltas not yet folded into it
     * ({@code ledger_balance_deltas}, see {@link #postUsage}). Also used by {@link Reconciliation}.
     */
    static final String DEBITS_POSTED = "(a.debits_posted + COALESCE((SELECT SUM(x.debits) FROM ledger_balance_deltas x"
            + " WHERE x.account_id = a.id), 0))";
    /** See {@link #DEBITS_POSTED}. */
    static final String CREDITS_POSTED = "(a.credits_posted + COALESCE((SELECT SUM(x.credits) FROM"
            + " ledger_balance_deltas x WHERE x.account_id = a.id), 0))";

    private static final String ACCOUNT_COLUMNS = "a.id, a.account_key, a.kind, a.unit,"
            + " a.debits_must_not_exceed_credits, " + DEBITS_POSTED + " AS debits_posted, " + CREDITS_POSTED
            + " AS credits_posted, a.created_at, a.metadata";
    /** Deltas folded into an account row per transaction at most (the rest waits for the next fold). */
    private static final int FOLD_LIMIT = 1000;

    /** Transfers stored as {@code ledger_transfers} rows, with the outbox columns of {@link #OUTBOX_USAGE} as NULL. */
    private static final String TRANSFERS_WITH_KEYS = "SELECT t.seq, t.transfer_id, d.account_key AS debit_key,"
            + " c.account_key AS credit_key, t.amount, t.unit, t.kind, t.reverses_id, t.source_event_id, t.created_at,"
            + " t.metadata, CAST(NULL AS NUMERIC(78, 0)) AS o_fee_wei, CAST(NULL AS NUMERIC(38, 12)) AS o_network,"
            + " CAST(NULL AS VARCHAR(4000)) AS o_orch, CAST(NULL AS VARCHAR(128)) AS o_pipeline,"
            + " CAST(NULL AS VARCHAR(128)) AS o_model FROM ledger_transfers t"
            + " JOIN ledger_accounts d ON d.id = t.debit_account_id JOIN ledger_accounts c ON c.id = t.credit_account_id";
    /**
     * Usage transfers held by outbox rows (V9, {@link #applyUsage}): the same columns as {@link #TRANSFERS_WITH_KEYS}
     * under the alias {@code t}, so the same filters apply; the metadata is built from the {@code o_*} columns.
     */
    private static final String OUTBOX_USAGE = "SELECT t.seq, 'usage:' || t.event_id AS transfer_id,"
            + " d.account_key AS debit_key, c.account_key AS credit_key, t.billable_usd_micros AS amount,"
            + " 'USD_MICROS' AS unit, 'USAGE' AS kind, CAST(NULL AS VARCHAR(255)) AS reverses_id,"
            + " t.event_id AS source_event_id, t.created_at, CAST(NULL AS VARCHAR(4000)) AS metadata,"
            + " t.fee_wei AS o_fee_wei, t.network_usd_micros AS o_network, t.orch_address AS o_orch,"
            + " t.pipeline AS o_pipeline, t.model_id AS o_model FROM outbox_events t"
            + " JOIN ledger_accounts d ON d.id = t.usage_debit_account_id"
            + " JOIN ledger_accounts c ON c.id = t.usage_credit_account_id";
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
            metadata(rs));

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
                h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts a WHERE a.account_key = :key")
                        .bind("key", key)
                        .map(ACCOUNT)
                        .findOne());
    }

    /**
     * The accounts with these keys that exist, in one query (spend control reads the balances of a group commit's
     * customers with it).
     *
     * @return by account key; keys without an account are absent
     */
    public Map<String, Account> accounts(Collection<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return Map.of();
        }
        List<String> list = new ArrayList<>(keys);
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            in.append(i == 0 ? ":k" : ", :k").append(i);
        }
        return database.withHandle(h -> {
            Query query = h.createQuery(
                    "SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts a WHERE a.account_key IN (" + in + ")");
            for (int i = 0; i < list.size(); i++) {
                query.bind("k" + i, list.get(i));
            }
            Map<String, Account> found = new HashMap<>();
            query.map(ACCOUNT).forEach(a -> found.put(a.key(), a));
            return found;
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
        return database.withHandle(h -> {
            Query query = h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts a"
                            + (kind == null ? "" : " WHERE a.kind = :kind")
                            + " ORDER BY a.account_key LIMIT :limit OFFSET :offset")
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
                applyMovements(h, movements, true);
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
        return database.withHandle(h -> {
            Optional<Transfer> stored = h.createQuery(TRANSFERS_WITH_KEYS + " WHERE t.transfer_id = :id")
                    .bind("id", id)
                    .map(TRANSFER)
                    .findOne();
            if (stored.isPresent() || !id.startsWith(UsagePosting.transferId(""))) {
                return stored;
            }
            return h.createQuery(OUTBOX_USAGE + " WHERE t.event_id = :event_id")
                    .bind("event_id", id.substring(UsagePosting.transferId("").length()))
                    .map(TRANSFER)
                    .findOne();
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
            String filters = (from == null ? "" : " AND t.created_at >= :from")
                    + (to == null ? "" : " AND t.created_at < :to")
                    + (before == null ? "" : " AND t.seq < :before");
            String where = " WHERE 1 = 1" + (kind == null ? "" : " AND t.kind = :kind") + filters;
            String outboxWhere = " WHERE t.usage_debit_account_id IS NOT NULL" + filters;
            // each part newest first and limited on its own index ((debit_account_id, seq), (credit_account_id, seq),
            // outbox (subject, seq) or the seq order), then merged: usage held by outbox rows (V9) and
            // the ledger_transfers rows share one seq sequence, so the merged order is the posting order
            List<String> parts = new ArrayList<>();
            boolean outbox = kind == null || kind == TransferKind.USAGE;
            boolean customerPostings = outbox && account != null && account.startsWith(AccountKeys.customer(""));
            if (accountId == null) {
                parts.add(TRANSFERS_WITH_KEYS + where);
                if (outbox) {
                    parts.add(OUTBOX_USAGE + outboxWhere);
                }
            } else {
                parts.add(TRANSFERS_WITH_KEYS + where + " AND t.debit_account_id = :account");
                parts.add(TRANSFERS_WITH_KEYS + where + " AND t.credit_account_id = :account");
                if (customerPostings) {
                    // a customer's postings: the outbox's (subject, seq) index, then its account
                    parts.add(OUTBOX_USAGE + outboxWhere
                            + " AND t.subject = :subject AND t.usage_debit_account_id = :account");
                }
                if (outbox) {
                    parts.add(OUTBOX_USAGE + outboxWhere + " AND t.usage_credit_account_id = :account");
                }
            }
            StringBuilder union = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                union.append(i == 0 ? "" : " UNION ALL ")
                        .append("SELECT * FROM (")
                        .append(parts.get(i))
                        .append(" ORDER BY t.seq DESC LIMIT :limit) p")
                        .append(i);
            }
            String sql = "SELECT * FROM (" + union + ") x ORDER BY x.seq DESC LIMIT :limit";
            Query query = h.createQuery(sql).bind("limit", limit);
            if (accountId != null) {
                query.bind("account", accountId);
                if (customerPostings) {
                    query.bind(
                            "subject",
                            account.substring(AccountKeys.customer("").length()));
                }
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
     * inserted with one multi-row statement per 500; customer balances are updated once per account per batch, in
     * account-id order.
     *
     * <p>The revenue account is shared by every batch of every instance, so its row is never waited for: the batch
     * adds its total to the row only when it can lock the row without waiting ({@code SKIP LOCKED}), folding in the
     * deltas other batches appended meanwhile; otherwise it appends its total as a delta
     * ({@code ledger_balance_deltas}). Batches of different customers therefore never wait for each other
     * (UsageRevenueContentionTest), and the account's totals are its row plus its deltas wherever they are read.
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
                // customers first (they may be waited for), the shared account last and never waited for: no
                // transaction waits for a customer row while holding the revenue row, so this cannot deadlock
                applyMovements(h, movements, false);
                creditWithoutWaiting(h, revenue, revenueTotal, now);
            }
            return posted;
        });
    }

    /**
     * The accounts the usage of these subjects is posted between, for outbox rows that hold their usage posting
     * ({@link OutboxWriter#append(List, Instant, OutboxWriter.UsageAccounts)}): {@code customer:<subject>} (created on
     * first use) and {@link AccountKeys#USAGE_REVENUE}. Joins the caller's transaction.
     */
    public OutboxWriter.UsageAccounts usageAccounts(Collection<String> subjects) throws SQLException {
        return database.inTransaction(h -> {
            long revenue = accountId(h, AccountKeys.USAGE_REVENUE);
            Map<String, Long> customers = new HashMap<>();
            TreeSet<String> sorted = new TreeSet<>(subjects);
            Map<String, Long> created =
                    database.dialect() == SqlDialect.POSTGRESQL ? createCustomers(h, sorted) : Map.of();
            // in key order: two transactions creating the same new accounts (metering batches of different
            // partitions, or instances) then wait for each other's insert in one order instead of deadlocking
            for (String subject : sorted) {
                String key = AccountKeys.customer(subject);
                Long id = created.get(key);
                customers.put(subject, id != null ? id : accountId(h, key));
            }
            return new OutboxWriter.UsageAccounts(customers, revenue);
        });
    }

    /**
     * PostgreSQL: caches the ids of the subjects' customer accounts that exist, and creates the missing ones in one
     * statement, in key order (a metering batch brings up to hundreds of new customers: one look-up and one insert
     * each cost hundreds of round trips).
     *
     * @return the ids of the accounts created here, or by a concurrent transaction that committed meanwhile (not
     *     cached: a row created here could still roll back)
     */
    private Map<String, Long> createCustomers(Handle h, Collection<String> sortedSubjects) throws SQLException {
        List<String> keys = new ArrayList<>();
        for (String subject : sortedSubjects) {
            String key = AccountKeys.customer(subject);
            if (!accountIds.containsKey(key)) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            return Map.of();
        }
        Connection c = h.getConnection();
        try (PreparedStatement select =
                c.prepareStatement("SELECT id, account_key FROM ledger_accounts WHERE account_key = ANY(?)")) {
            PgArrays.strings(select, 1, keys.toArray(new String[0]));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    accountIds.put(rs.getString("account_key"), rs.getLong("id"));
                }
            }
        }
        List<String> missing =
                keys.stream().filter(k -> !accountIds.containsKey(k)).toList();
        if (missing.isEmpty()) {
            return Map.of();
        }
        AccountKeys.Spec spec = AccountKeys.parse(missing.get(0));
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger_accounts (account_key, kind, unit,"
                + " debits_must_not_exceed_credits, created_at, metadata) SELECT k, ?, ?, FALSE, ?, NULL"
                + " FROM unnest(CAST(? AS VARCHAR[])) WITH ORDINALITY AS v (k, n) ORDER BY n ON CONFLICT DO NOTHING")) {
            insert.setString(1, spec.kind().name());
            insert.setString(2, spec.unit().name());
            insert.setObject(3, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            PgArrays.strings(insert, 4, missing.toArray(new String[0]));
            insert.executeUpdate();
        }
        Map<String, Long> created = new HashMap<>();
        try (PreparedStatement select =
                c.prepareStatement("SELECT id, account_key FROM ledger_accounts WHERE account_key = ANY(?)")) {
            PgArrays.strings(select, 1, missing.toArray(new String[0]));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    created.put(rs.getString("account_key"), rs.getLong("id"));
                }
            }
        }
        return created;
    }

    /**
     * The balance side of usage postings held by new outbox rows (V9: the outbox row is the usage transfer, so no
     * transfer row is written here): debits each customer once with the sum of its new usage, in account-id order,
     * and credits the usage revenue account with the total without waiting for its row (as {@link #postUsage}).
     * Joins the caller's transaction, which must be the one that inserted the outbox rows; call it with the billable
     * amounts of the rows that were new only (a duplicate event id posts nothing).
     *
     * @param accounts           the accounts the rows were written with ({@link #usageAccounts})
     * @param billablePerSubject subject → sum of the billable USD micros of its new rows (exact, no rounding)
     */
    public void applyUsage(OutboxWriter.UsageAccounts accounts, Map<String, BigDecimal> billablePerSubject, Instant now)
            throws SQLException {
        if (billablePerSubject.isEmpty()) {
            return;
        }
        database.inTransaction(h -> {
            Map<Long, BigDecimal[]> movements = new TreeMap<>();
            BigDecimal total = BigDecimal.ZERO;
            for (Map.Entry<String, BigDecimal> e : billablePerSubject.entrySet()) {
                Long customer = accounts.debitAccounts().get(e.getKey());
                if (customer == null) {
                    throw new IllegalArgumentException("no customer account for subject " + e.getKey());
                }
                movements.merge(customer, new BigDecimal[] {e.getValue(), BigDecimal.ZERO}, (a, b) ->
                        new BigDecimal[] {a[0].add(b[0]), a[1]});
                total = total.add(e.getValue());
            }
            // customers first, the shared account last and never waited for (see postUsage)
            applyMovements(h, movements, false);
            creditWithoutWaiting(h, accounts.creditAccount(), total, now);
            return null;
        });
    }

    /**
     * The metadata of a transfer row: its own column, or, for a usage transfer held by an outbox row, the JSON the
     * metering batch wrote on usage transfers before V9 (fee_wei, network_usd_micros, orch_address, pipeline,
     * model_id; null values left out), so the API shows both alike.
     */
    private static String metadata(ResultSet rs) throws SQLException {
        BigDecimal feeWei = rs.getBigDecimal("o_fee_wei");
        if (feeWei == null) {
            return rs.getString("metadata");
        }
        return Metadata.of(
                "fee_wei", feeWei.toBigInteger().toString(),
                "network_usd_micros",
                        Amounts.micros(rs.getBigDecimal("o_network")).toPlainString(),
                "orch_address", rs.getString("o_orch"),
                "pipeline", rs.getString("o_pipeline"),
                "model_id", rs.getString("o_model"));
    }

    /**
     * Adds a credit to a shared account without waiting for its row: to the row, folding the account's pending
     * deltas, when the row can be locked at once; as a new delta otherwise.
     */
    private void creditWithoutWaiting(Handle h, long account, BigDecimal credits, Instant now) throws SQLException {
        Connection c = h.getConnection();
        boolean locked;
        try (PreparedStatement lock = c.prepareStatement("SELECT id FROM ledger_accounts WHERE id = ? "
                + database.dialect().rowLockForUpdate() + " SKIP LOCKED")) {
            lock.setLong(1, account);
            try (ResultSet rs = lock.executeQuery()) {
                locked = rs.next();
            }
        }
        if (!locked) {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger_balance_deltas (account_id, debits,"
                    + " credits, created_at) VALUES (?, 0, ?, ?)")) {
                insert.setLong(1, account);
                insert.setBigDecimal(2, credits);
                insert.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                insert.executeUpdate();
            }
            return;
        }
        Map<Long, BigDecimal[]> movements = foldDeltas(h, List.of(account));
        movements.merge(account, new BigDecimal[] {BigDecimal.ZERO, credits}, (a, b) ->
                new BigDecimal[] {a[0], a[1].add(b[1])});
        updateTotals(h, new ArrayList<>(movements.entrySet()));
    }

    /**
     * Removes the committed deltas of accounts whose rows this transaction has locked, and returns their sums per
     * account ({debits, credits}) for the caller to add to the rows in the same transaction. Only a transaction
     * holding an account's row lock folds its deltas, so no delta is folded twice; a delta committed later is folded
     * by a later transaction.
     */
    private static Map<Long, BigDecimal[]> foldDeltas(Handle h, List<Long> accounts) throws SQLException {
        Map<Long, BigDecimal[]> sums = new TreeMap<>();
        List<Long> ids = new ArrayList<>();
        Connection c = h.getConnection();
        try (PreparedStatement select = c.prepareStatement("SELECT id, account_id, debits, credits FROM"
                + " ledger_balance_deltas WHERE account_id IN (" + rows("?", accounts.size()) + ") ORDER BY id LIMIT "
                + FOLD_LIMIT)) {
            for (int i = 0; i < accounts.size(); i++) {
                select.setLong(i + 1, accounts.get(i));
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong("id"));
                    BigDecimal[] sum = sums.computeIfAbsent(
                            rs.getLong("account_id"), k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                    sum[0] = sum[0].add(rs.getBigDecimal("debits"));
                    sum[1] = sum[1].add(rs.getBigDecimal("credits"));
                }
            }
        }
        if (ids.isEmpty()) {
            return sums;
        }
        try (PreparedStatement delete =
                c.prepareStatement("DELETE FROM ledger_balance_deltas WHERE id IN (" + rows("?", ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
                delete.setLong(i + 1, ids.get(i));
            }
            int deleted = delete.executeUpdate();
            if (deleted != ids.size()) {
                // cannot happen while only row-lock holders fold; refuse rather than count a delta twice
                throw new SQLException(
                        "balance deltas changed while folding: expected " + ids.size() + ", deleted " + deleted);
            }
        }
        return sums;
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
     *
     * @param fold whether to fold the accounts' pending balance deltas into their rows too (so a limit check on the
     *             row sees every committed credit); the metering path skips it for customer accounts, which never
     *             have deltas
     */
    private void applyMovements(Handle h, Map<Long, BigDecimal[]> movements, boolean fold) throws SQLException {
        List<Map.Entry<Long, BigDecimal[]>> sorted = new ArrayList<>(new TreeMap<>(movements).entrySet());
        Connection c = h.getConnection();
        for (int from = 0; from < sorted.size(); from += ROWS_PER_STATEMENT) {
            List<Map.Entry<Long, BigDecimal[]>> chunk =
                    sorted.subList(from, Math.min(sorted.size(), from + ROWS_PER_STATEMENT));
            boolean pg = database.dialect() == SqlDialect.POSTGRESQL;
            // PostgreSQL: the ids as one array (one statement text, planned once per connection)
            try (PreparedStatement lock = c.prepareStatement("SELECT id FROM ledger_accounts WHERE "
                    + (pg ? "id = ANY(?)" : "id IN (" + rows("?", chunk.size()) + ")") + " ORDER BY id "
                    + database.dialect().rowLockForUpdate())) {
                if (pg) {
                    PgArrays.longs(
                            lock, 1, chunk.stream().mapToLong(Map.Entry::getKey).toArray());
                } else {
                    for (int i = 0; i < chunk.size(); i++) {
                        lock.setLong(i + 1, chunk.get(i).getKey());
                    }
                }
                try (ResultSet rs = lock.executeQuery()) {
                    while (rs.next()) {
                        rs.getLong("id");
                    }
                }
            }
            List<Map.Entry<Long, BigDecimal[]>> totals = chunk;
            if (fold) {
                Map<Long, BigDecimal[]> folded =
                        foldDeltas(h, chunk.stream().map(Map.Entry::getKey).toList());
                if (!folded.isEmpty()) {
                    Map<Long, BigDecimal[]> merged = new TreeMap<>();
                    chunk.forEach(m -> merged.put(m.getKey(), m.getValue()));
                    folded.forEach((id, d) ->
                            merged.merge(id, d, (a, b) -> new BigDecimal[] {a[0].add(b[0]), a[1].add(b[1])}));
                    totals = new ArrayList<>(merged.entrySet());
                }
            }
            updateTotals(h, totals);
        }
    }

    /** Adds {debits, credits} to the rows of accounts this transaction has locked, in one statement. */
    private void updateTotals(Handle h, List<Map.Entry<Long, BigDecimal[]>> chunk) throws SQLException {
        if (database.dialect() == SqlDialect.POSTGRESQL) {
            // one array per column: one statement text whatever the number of accounts (a VALUES list of 1,200
            // parameters is parsed, bound and planned anew per batch)
            Connection c = h.getConnection();
            try (PreparedStatement update = c.prepareStatement("UPDATE ledger_accounts a SET debits_posted ="
                    + " a.debits_posted + v.d, credits_posted = a.credits_posted + v.c FROM unnest(CAST(? AS BIGINT[]),"
                    + " CAST(? AS NUMERIC[]), CAST(? AS NUMERIC[])) AS v (id, d, c) WHERE a.id = v.id")) {
                PgArrays.longs(
                        update, 1, chunk.stream().mapToLong(Map.Entry::getKey).toArray());
                PgArrays.decimals(
                        update, 2, chunk.stream().map(m -> m.getValue()[0]).toArray(BigDecimal[]::new));
                PgArrays.decimals(
                        update, 3, chunk.stream().map(m -> m.getValue()[1]).toArray(BigDecimal[]::new));
                update.executeUpdate();
            }
            return;
        }
        // NUMERIC(90, 12) is the columns' type: H2 would otherwise cut the fraction off an untyped NUMERIC
        try (PreparedStatement update = h.getConnection()
                .prepareStatement(database.dialect()
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
