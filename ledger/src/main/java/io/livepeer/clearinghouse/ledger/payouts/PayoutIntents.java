package io.livepeer.clearinghouse.ledger.payouts;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The payout intent store and nonce manager (tables of V15). Rules that make a payout happen at most once:
 *
 * <ul>
 *   <li>one open intent per orchestrator (a unique column), so a second plan cannot pay the same balance again;
 *   <li>{@link #sign} hands out the key's next nonce under a row lock and stores the signed raw transaction in the same
 *       database transaction: the transaction exists durably before it can be broadcast, and a crash anywhere after
 *       re-broadcasts those exact bytes;
 *   <li>a replacement ({@link #replace}) keeps the nonce, so at most one attempt can ever be mined;
 *   <li>{@link #confirm} posts the ledger debit (a {@code SETTLEMENT} transfer whose id is the intent id, from
 *       {@code orchestrator:<id>} to {@code system:settlement_wei}) in the transaction that marks the intent
 *       CONFIRMED; the transfer id makes it idempotent;
 *   <li>a signed intent is never abandoned: it is FAILED only when its nonce was consumed by a mined, reverted
 *       transaction ({@link #failReverted}); only a PLANNED intent can be dropped ({@link #cancel}).
 * </ul>
 *
 * Amounts in wei. Thread-safe; every method is one database transaction (or joins the caller's).
 */
public final class PayoutIntents {

    private static final String COLUMNS = "intent_id, orchestrator_id, recipient, amount_wei, strategy, state,"
            + " plan_hash, chain_id, from_address, nonce, tx_hash, block_number, block_hash, replacements,"
            + " failure_reason, created_at, updated_at, broadcast_at, confirmed_at";

    private static final RowMapper<PayoutIntent> INTENT = (rs, ctx) -> new PayoutIntent(
            rs.getString("intent_id"),
            rs.getString("orchestrator_id"),
            rs.getString("recipient"),
            Rows.integer(rs, "amount_wei"),
            rs.getString("strategy"),
            PayoutState.valueOf(rs.getString("state")),
            rs.getString("plan_hash"),
            (Long) rs.getObject("chain_id", Long.class),
            rs.getString("from_address"),
            Rows.integer(rs, "nonce"),
            rs.getString("tx_hash"),
            (Long) rs.getObject("block_number", Long.class),
            rs.getString("block_hash"),
            rs.getInt("replacements"),
            rs.getString("failure_reason"),
            Rows.instant(rs, "created_at"),
            Rows.instant(rs, "updated_at"),
            Rows.instant(rs, "broadcast_at"),
            Rows.instant(rs, "confirmed_at"));

    private static final RowMapper<SignedAttempt> ATTEMPT = (rs, ctx) -> new SignedAttempt(
            rs.getString("tx_hash"),
            rs.getString("raw_tx"),
            Rows.integer(rs, "nonce"),
            Rows.integer(rs, "gas_limit"),
            Rows.integer(rs, "max_fee_per_gas"),
            Rows.integer(rs, "max_priority_fee_per_gas"));

    /** Signs a transaction with the nonce handed out; called inside the storing database transaction. */
    @FunctionalInterface
    public interface AttemptSigner {
        /** The signed transaction for {@code nonce}; it must carry that nonce. Must not broadcast. */
        SignedAttempt sign(BigInteger nonce);
    }

    /** A request the current state does not allow, naming the intent and its state. */
    public static final class InvalidTransition extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        InvalidTransition(String message) {
            super(message);
        }
    }

    private final Database database;
    private final Clock clock;
    private final Nonces nonces;

    /** Intents kept in {@code database}; nonces come from the shared {@link Nonces} manager. */
    public PayoutIntents(Database database, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nonces = new Nonces(database, clock);
    }

    /**
     * Plans a payout.
     *
     * @throws InvalidTransition when the orchestrator already has an open intent
     * @throws IllegalArgumentException for a non-positive amount or a malformed recipient
     */
    public PayoutIntent plan(
            String intentId,
            String orchestratorId,
            String recipient,
            BigInteger amountWei,
            String strategy,
            String planHash)
            throws SQLException {
        if (amountWei == null || amountWei.signum() <= 0) {
            throw new IllegalArgumentException("amount_wei must be positive, got " + amountWei);
        }
        if (recipient == null || !recipient.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException("recipient must be a 0x-prefixed 20-byte hex address, got " + recipient);
        }
        if (!"eth_transfer".equals(strategy) && !"livepeer_ticket".equals(strategy)) {
            throw new IllegalArgumentException("strategy must be eth_transfer or livepeer_ticket, got " + strategy);
        }
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Optional<PayoutIntent> open = h.createQuery(
                            "SELECT " + COLUMNS + " FROM payout_intents WHERE open_orchestrator = :o")
                    .bind("o", orchestratorId)
                    .map(INTENT)
                    .findOne();
            if (open.isPresent()) {
                throw new InvalidTransition("orchestrator " + orchestratorId + " already has open payout "
                        + open.get().intentId() + " (" + open.get().state() + ")");
            }
            h.createUpdate("INSERT INTO payout_intents (intent_id, orchestrator_id, open_orchestrator, recipient,"
                            + " amount_wei, strategy, state, plan_hash, replacements, created_at, updated_at)"
                            + " VALUES (:id, :o, :o, :r, :a, :s, 'PLANNED', :p, 0, :now, :now)")
                    .bind("id", intentId)
                    .bind("o", orchestratorId)
                    .bind("r", recipient.toLowerCase(Locale.ROOT))
                    .bind("a", new BigDecimal(amountWei))
                    .bind("s", strategy)
                    .bind("p", planHash)
                    .bind("now", now)
                    .execute();
            return load(h, intentId);
        });
    }

    /** The intent, if it exists. */
    public Optional<PayoutIntent> get(String intentId) throws SQLException {
        return database.withHandle(
                h -> h.createQuery("SELECT " + COLUMNS + " FROM payout_intents WHERE intent_id = :id")
                        .bind("id", intentId)
                        .map(INTENT)
                        .findOne());
    }

    /** Every open intent (not CONFIRMED/FAILED), oldest first. */
    public List<PayoutIntent> open() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM payout_intents WHERE state IN ('PLANNED', 'SIGNED', 'BROADCAST')"
                        + " ORDER BY created_at, intent_id")
                .map(INTENT)
                .list());
    }

    /** The newest {@code limit} intents, newest first; only one orchestrator's when {@code orchestratorId} is set. */
    public List<PayoutIntent> recent(String orchestratorId, int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM payout_intents"
                        + (orchestratorId == null ? "" : " WHERE orchestrator_id = :o")
                        + " ORDER BY created_at DESC, intent_id DESC LIMIT :limit")
                .bindMap(orchestratorId == null ? java.util.Map.of() : java.util.Map.of("o", orchestratorId))
                .bind("limit", limit)
                .map(INTENT)
                .list());
    }

    /**
     * A page of intents, newest first (created at, then id), for the API.
     *
     * @param state only this state, or null for all
     * @param orchestratorId only this orchestrator's, or null for all
     * @param offset rows to skip
     * @param limit page size
     */
    public List<PayoutIntent> list(PayoutState state, String orchestratorId, int offset, int limit)
            throws SQLException {
        return database.withHandle(h -> {
            var query = h.createQuery("SELECT " + COLUMNS + " FROM payout_intents WHERE 1 = 1"
                            + (state == null ? "" : " AND state = :state")
                            + (orchestratorId == null ? "" : " AND orchestrator_id = :o")
                            + " ORDER BY created_at DESC, intent_id DESC LIMIT :limit OFFSET :offset")
                    .bind("limit", limit)
                    .bind("offset", offset);
            if (state != null) {
                query.bind("state", state.name());
            }
            if (orchestratorId != null) {
                query.bind("o", orchestratorId);
            }
            return query.map(INTENT).list();
        });
    }

    /**
     * Counts for metrics and health.
     *
     * @param byState intents per state (every state present, zero when none)
     * @param replacements fee-bumped replacements signed over all intents
     * @param open every open intent, oldest first
     */
    public record Stats(java.util.Map<PayoutState, Long> byState, long replacements, List<PayoutIntent> open) {}

    /** Counts per state, replacements and the open intents, in one read. */
    public Stats stats() throws SQLException {
        return database.withHandle(h -> {
            java.util.Map<PayoutState, Long> byState = new java.util.EnumMap<>(PayoutState.class);
            for (PayoutState s : PayoutState.values()) {
                byState.put(s, 0L);
            }
            h.createQuery("SELECT state, COUNT(*) AS n FROM payout_intents GROUP BY state")
                    .map((rs, ctx) -> java.util.Map.entry(PayoutState.valueOf(rs.getString("state")), rs.getLong("n")))
                    .forEach(e -> byState.put(e.getKey(), e.getValue()));
            long replacements = h.createQuery("SELECT COALESCE(SUM(replacements), 0) FROM payout_intents")
                    .mapTo(Long.class)
                    .one();
            List<PayoutIntent> open = h.createQuery("SELECT " + COLUMNS
                            + " FROM payout_intents WHERE state IN ('PLANNED', 'SIGNED', 'BROADCAST')"
                            + " ORDER BY created_at, intent_id")
                    .map(INTENT)
                    .list();
            return new Stats(byState, replacements, open);
        });
    }

    /** Every signed attempt of an intent, oldest first (any of them may be the one mined). */
    public List<SignedAttempt> attempts(String intentId) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT tx_hash, raw_tx, nonce, gas_limit, max_fee_per_gas,"
                        + " max_priority_fee_per_gas FROM payout_transactions WHERE intent_id = :id"
                        + " ORDER BY created_at, tx_hash")
                .bind("id", intentId)
                .map(ATTEMPT)
                .list());
    }

    /** The next nonce the manager would hand out for a key, if it has handed out any. */
    public Optional<BigInteger> nextNonce(long chainId, String fromAddress) throws SQLException {
        return nonces.next(chainId, fromAddress);
    }

    /**
     * Signs a PLANNED intent: takes the key's next nonce under a row lock (at least {@code chainPendingNonce}, the
     * node's pending transaction count, so transactions sent by other means are skipped), asks {@code signer} for the
     * transaction, and stores it with the intent SIGNED, all in one database transaction. If {@code signer} throws,
     * nothing is stored and no nonce is used.
     *
     * @throws InvalidTransition when the intent is not PLANNED
     */
    public PayoutIntent sign(
            String intentId, long chainId, String fromAddress, BigInteger chainPendingNonce, AttemptSigner signer)
            throws SQLException {
        String from = fromAddress.toLowerCase(Locale.ROOT);
        nonces.ensure(chainId, from, chainPendingNonce);
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            PayoutIntent intent = lock(h, intentId);
            if (intent.state() != PayoutState.PLANNED) {
                throw new InvalidTransition("payout " + intentId + " is " + intent.state() + ", not PLANNED");
            }
            BigInteger nonce = nonces.take(h, chainId, from, chainPendingNonce);
            SignedAttempt attempt = signer.sign(nonce);
            if (!nonce.equals(attempt.nonce())) {
                throw new IllegalStateException("signer used nonce " + attempt.nonce() + ", handed out " + nonce);
            }
            insertAttempt(h, intentId, attempt, now);
            nonces.advance(h, chainId, from, nonce);
            h.createUpdate("UPDATE payout_intents SET state = 'SIGNED', chain_id = :c, from_address = :f, nonce = :n,"
                            + " tx_hash = :tx, updated_at = :now WHERE intent_id = :id")
                    .bind("c", chainId)
                    .bind("f", from)
                    .bind("n", new BigDecimal(nonce))
                    .bind("tx", attempt.txHash())
                    .bind("now", now)
                    .bind("id", intentId)
                    .execute();
            return load(h, intentId);
        });
    }

    /**
     * Records that the intent's current transaction was broadcast (again): SIGNED → BROADCAST, or a later broadcast
     * of a BROADCAST intent (refreshes {@code broadcast_at}, from which a stuck transaction is timed).
     */
    public PayoutIntent markBroadcast(String intentId) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            PayoutIntent intent = lock(h, intentId);
            if (intent.state() != PayoutState.SIGNED && intent.state() != PayoutState.BROADCAST) {
                throw new InvalidTransition("payout " + intentId + " is " + intent.state() + ", cannot broadcast");
            }
            h.createUpdate("UPDATE payout_intents SET state = 'BROADCAST', broadcast_at = :now, updated_at = :now"
                            + " WHERE intent_id = :id")
                    .bind("now", now)
                    .bind("id", intentId)
                    .execute();
            return load(h, intentId);
        });
    }

    /**
     * Stores a fee-bumped replacement with the same nonce; it becomes the intent's current transaction (to
     * broadcast next). Earlier attempts stay stored: any one of them may still be mined.
     *
     * @throws InvalidTransition unless the intent is SIGNED or BROADCAST
     * @throws IllegalArgumentException when the attempt's nonce differs from the intent's
     */
    public PayoutIntent replace(String intentId, SignedAttempt attempt) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            PayoutIntent intent = lock(h, intentId);
            if (intent.state() != PayoutState.SIGNED && intent.state() != PayoutState.BROADCAST) {
                throw new InvalidTransition("payout " + intentId + " is " + intent.state() + ", cannot replace");
            }
            if (!intent.nonce().equals(attempt.nonce())) {
                throw new IllegalArgumentException(
                        "a replacement must reuse nonce " + intent.nonce() + ", got " + attempt.nonce());
            }
            insertAttempt(h, intentId, attempt, now);
            h.createUpdate("UPDATE payout_intents SET tx_hash = :tx, replacements = replacements + 1,"
                            + " updated_at = :now WHERE intent_id = :id")
                    .bind("tx", attempt.txHash())
                    .bind("now", now)
                    .bind("id", intentId)
                    .execute();
            return load(h, intentId);
        });
    }

    /**
     * Marks the intent CONFIRMED by the mined attempt {@code txHash} and posts the ledger debit (id = intent id,
     * {@code orchestrator:<id>} → {@code system:settlement_wei}, the intent's amount) in the same transaction.
     * Confirming a CONFIRMED intent again changes nothing.
     *
     * @throws InvalidTransition when the intent is PLANNED or FAILED
     * @throws IllegalArgumentException when {@code txHash} is not one of the intent's attempts
     */
    public PayoutIntent confirm(String intentId, String txHash, long blockNumber, String blockHash, Ledger ledger)
            throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            PayoutIntent intent = lock(h, intentId);
            if (intent.state() == PayoutState.CONFIRMED) {
                return intent;
            }
            if (intent.state() != PayoutState.SIGNED && intent.state() != PayoutState.BROADCAST) {
                throw new InvalidTransition("payout " + intentId + " is " + intent.state() + ", cannot confirm");
            }
            requireAttempt(h, intentId, txHash);
            h.createUpdate("UPDATE payout_intents SET state = 'CONFIRMED', open_orchestrator = NULL, tx_hash = :tx,"
                            + " block_number = :bn, block_hash = :bh, confirmed_at = :now, updated_at = :now"
                            + " WHERE intent_id = :id")
                    .bind("tx", txHash)
                    .bind("bn", blockNumber)
                    .bind("bh", blockHash)
                    .bind("now", now)
                    .bind("id", intentId)
                    .execute();
            postDebit(ledger, intent, txHash, blockNumber);
            return load(h, intentId);
        });
    }

    /**
     * Marks the intent FAILED because its attempt {@code txHash} was mined and reverted (its nonce is used up). The
     * balance is untouched; the next cycle may plan again.
     */
    public PayoutIntent failReverted(String intentId, String txHash, String reason) throws SQLException {
        return database.inTransaction(h -> {
            PayoutIntent intent = lock(h, intentId);
            if (intent.state() != PayoutState.SIGNED && intent.state() != PayoutState.BROADCAST) {
                throw new InvalidTransition("payout " + intentId + " is " + intent.state() + ", cannot fail");
            }
            requireAttempt(h, intentId, txHash);
            return finish(h, intentId, txHash, reason);
        });
    }

    /** Drops a PLANNED intent (never signed) with a reason, e.g. a changed balance or a refused approval. */
    public PayoutIntent cancel(String intentId, String reason) throws SQLException {
        return database.inTransaction(h -> {
            PayoutIntent intent = lock(h, intentId);
            if (intent.state() != PayoutState.PLANNED) {
                throw new InvalidTransition("payout " + intentId + " is " + intent.state()
                        + ": only a PLANNED payout can be cancelled; a signed one is re-broadcast until mined");
            }
            return finish(h, intentId, null, reason);
        });
    }

    /**
     * The ledger debit of a confirmed intent (id = intent id, {@code orchestrator:<id>} → {@code system:settlement_wei},
     * the intent's amount); joins the caller's transaction. Shared with {@link PayoutTickets}.
     */
    static void postDebit(Ledger ledger, PayoutIntent intent, String txHash, long blockNumber) throws SQLException {
        ledger.post(new NewTransfer(
                intent.intentId(),
                AccountKeys.orchestrator(intent.orchestratorId()),
                AccountKeys.SETTLEMENT_WEI,
                new BigDecimal(intent.amountWei()),
                TransferKind.SETTLEMENT,
                null,
                null,
                Metadata.of(
                        "payout",
                        intent.intentId(),
                        "tx_hash",
                        txHash,
                        "recipient",
                        intent.recipient(),
                        "block_number",
                        blockNumber,
                        "strategy",
                        intent.strategy())));
    }

    PayoutIntent finish(Handle h, String intentId, String txHash, String reason) {
        Instant now = clock.instant();
        h.createUpdate("UPDATE payout_intents SET state = 'FAILED', open_orchestrator = NULL, failure_reason = :r,"
                        + " tx_hash = COALESCE(:tx, tx_hash), updated_at = :now WHERE intent_id = :id")
                .bind("r", reason == null ? "" : reason.length() > 2000 ? reason.substring(0, 2000) : reason)
                .bind("tx", txHash)
                .bind("now", now)
                .bind("id", intentId)
                .execute();
        return load(h, intentId);
    }

    private static void insertAttempt(Handle h, String intentId, SignedAttempt attempt, Instant now) {
        h.createUpdate("INSERT INTO payout_transactions (tx_hash, intent_id, raw_tx, nonce, gas_limit,"
                        + " max_fee_per_gas, max_priority_fee_per_gas, created_at) VALUES (:tx, :id, :raw, :n, :g,"
                        + " :mf, :mp, :now)")
                .bind("tx", attempt.txHash())
                .bind("id", intentId)
                .bind("raw", attempt.rawTx())
                .bind("n", new BigDecimal(attempt.nonce()))
                .bind("g", new BigDecimal(attempt.gasLimit()))
                .bind("mf", new BigDecimal(attempt.maxFeePerGas()))
                .bind("mp", new BigDecimal(attempt.maxPriorityFeePerGas()))
                .bind("now", now)
                .execute();
    }

    private static void requireAttempt(Handle h, String intentId, String txHash) {
        boolean known =
                h.createQuery("SELECT COUNT(*) FROM payout_transactions WHERE intent_id = :id AND tx_hash = :tx")
                                .bind("id", intentId)
                                .bind("tx", txHash)
                                .mapTo(Long.class)
                                .one()
                        > 0;
        if (!known) {
            throw new IllegalArgumentException("transaction " + txHash + " is not an attempt of payout " + intentId);
        }
    }

    PayoutIntent lock(Handle h, String intentId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM payout_intents WHERE intent_id = :id "
                        + database.dialect().rowLockForUpdate())
                .bind("id", intentId)
                .map(INTENT)
                .findOne()
                .orElseThrow(() -> new IllegalArgumentException("no payout " + intentId));
    }

    static PayoutIntent load(Handle h, String intentId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM payout_intents WHERE intent_id = :id")
                .bind("id", intentId)
                .map(INTENT)
                .one();
    }
}
