package io.livepeer.clearinghouse.ledger.escrow;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.payouts.Nonces;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * TicketBroker funding transactions (table {@code escrow_fundings}, V19): each is committed with its signed raw
 * transaction <b>before</b> broadcast, with its nonce from the shared {@link Nonces} manager in the same database
 * transaction, and counted against its beneficiary's daily cap (per purpose, per UTC day, every funding not FAILED)
 * under the sending key's nonce row lock, so two instances or a crash can neither double a funding nor exceed the cap.
 * A stuck funding gets fee-bumped replacements with the same nonce ({@link #replace}, V24), each stored before it is
 * broadcast; whichever attempt is mined confirms or fails it. Amounts in wei.
 */
public final class Fundings {

    /** The cap would be exceeded: nothing was stored and no nonce was used. */
    public static final class CapReached extends RuntimeException {
        public CapReached(String message) {
            super(message);
        }
    }

    /** Signs the funding transaction with the nonce handed out (called inside the storing transaction). */
    @FunctionalInterface
    public interface Signer {
        /** @return the signed transaction for {@code nonce} */
        Signed sign(BigInteger nonce);
    }

    /**
     * A signed transaction.
     *
     * @param raw {@code 0x} hex, what {@code eth_sendRawTransaction} takes
     * @param hash its hash
     */
    public record Signed(String raw, String hash) {}

    /**
     * What to fund.
     *
     * @param purpose why
     * @param beneficiary whose deposit
     * @param depositWei to the deposit
     * @param reserveWei to the reserve
     * @param chainId chain id
     * @param fromAddress the sending key's address
     * @param chainPendingNonce the node's pending transaction count for the key (the nonce floor)
     * @param dailyCapWei the most all of today's fundings for (purpose, beneficiary) not FAILED may add up to
     */
    public record Request(
            FundingPurpose purpose,
            String beneficiary,
            BigInteger depositWei,
            BigInteger reserveWei,
            long chainId,
            String fromAddress,
            BigInteger chainPendingNonce,
            BigInteger dailyCapWei) {

        public Request {
            if (depositWei.signum() < 0
                    || reserveWei.signum() < 0
                    || depositWei.add(reserveWei).signum() <= 0) {
                throw new IllegalArgumentException("a funding needs a positive amount, got deposit " + depositWei
                        + " wei and reserve " + reserveWei + " wei");
            }
            beneficiary = beneficiary.toLowerCase(Locale.ROOT);
            fromAddress = fromAddress.toLowerCase(Locale.ROOT);
        }

        /** deposit + reserve. */
        public BigInteger valueWei() {
            return depositWei.add(reserveWei);
        }
    }

    private static final String COLUMNS = "funding_id, purpose, beneficiary, deposit_wei, reserve_wei, value_wei,"
            + " funding_day, chain_id, from_address, nonce, raw_tx, tx_hash, state, block_number, block_hash,"
            + " last_error, created_at, updated_at, broadcast_at, confirmed_at, replacements";

    private final Database database;
    private final Clock clock;
    private final Nonces nonces;

    /** Fundings kept in {@code database}; {@code clock} decides the UTC day of the cap. */
    public Fundings(Database database, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nonces = new Nonces(database, clock);
    }

    /** Today, UTC: the day the cap counts. */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** The sum of today's fundings for (purpose, beneficiary) that are not FAILED, wei. */
    public BigInteger countedToday(FundingPurpose purpose, String beneficiary) throws SQLException {
        return database.withHandle(h -> counted(h, purpose, beneficiary.toLowerCase(Locale.ROOT), today()));
    }

    /**
     * Signs and stores a funding (state SIGNED), in one transaction: locks the key's nonce row, re-checks the cap,
     * takes the nonce, signs, inserts, advances the nonce. Nothing is broadcast here.
     *
     * @throws CapReached when today's counted fundings plus this one would exceed the cap (nothing stored)
     */
    public Funding record(Request request, Signer signer) throws SQLException {
        nonces.ensure(request.chainId(), request.fromAddress(), request.chainPendingNonce());
        Instant now = clock.instant();
        LocalDate day = today();
        String id = "fund-" + UUID.randomUUID();
        return database.inTransaction(h -> {
            BigInteger nonce = nonces.take(h, request.chainId(), request.fromAddress(), request.chainPendingNonce());
            BigInteger counted = counted(h, request.purpose(), request.beneficiary(), day);
            if (counted.add(request.valueWei()).compareTo(request.dailyCapWei()) > 0) {
                throw new CapReached(request.purpose() + " for " + request.beneficiary() + ": " + counted
                        + " wei funded on " + day + " + " + request.valueWei() + " wei would exceed the daily cap of "
                        + request.dailyCapWei() + " wei");
            }
            Signed signed = signer.sign(nonce);
            h.createUpdate("INSERT INTO escrow_fundings (funding_id, purpose, beneficiary, deposit_wei, reserve_wei,"
                            + " value_wei, funding_day, chain_id, from_address, nonce, raw_tx, tx_hash, state,"
                            + " created_at, updated_at) VALUES (:id, :p, :b, :d, :r, :v, :day, :c, :f, :n, :raw, :tx,"
                            + " 'SIGNED', :now, :now)")
                    .bind("id", id)
                    .bind("p", request.purpose().name())
                    .bind("b", request.beneficiary())
                    .bind("d", new BigDecimal(request.depositWei()))
                    .bind("r", new BigDecimal(request.reserveWei()))
                    .bind("v", new BigDecimal(request.valueWei()))
                    .bind("day", day)
                    .bind("c", request.chainId())
                    .bind("f", request.fromAddress())
                    .bind("n", new BigDecimal(nonce))
                    .bind("raw", signed.raw())
                    .bind("tx", signed.hash())
                    .bind("now", now)
                    .execute();
            insertAttempt(h, id, 0, signed, now);
            nonces.advance(h, request.chainId(), request.fromAddress(), nonce);
            return load(h, id);
        });
    }

    /** The node accepted it (or already had it). */
    public Funding markBroadcast(String fundingId) throws SQLException {
        return update(
                fundingId,
                "state = CASE WHEN state = 'SIGNED' THEN 'BROADCAST' ELSE state END, last_error = NULL,"
                        + " broadcast_at = COALESCE(broadcast_at, :now)",
                null);
    }

    /** A broadcast failed for a reason that may pass (node down, insufficient funds): it stays open and is retried. */
    public Funding noteError(String fundingId, String error) throws SQLException {
        return update(fundingId, "last_error = :err", error);
    }

    /** Mined with status 1 and confirmed in {@code blockHash}, by its current attempt. */
    public Funding markConfirmed(String fundingId, long blockNumber, String blockHash) throws SQLException {
        return markConfirmed(fundingId, null, blockNumber, blockHash);
    }

    /**
     * Mined with status 1 and confirmed in {@code blockHash} by the attempt {@code txHash} (the original or a
     * replacement: whichever was mined), which becomes the funding's transaction. A funding no longer open is left as
     * it is.
     *
     * @param txHash one of the funding's attempts; null = its current one
     * @throws IllegalArgumentException when {@code txHash} is not an attempt of this funding
     */
    public Funding markConfirmed(String fundingId, String txHash, long blockNumber, String blockHash)
            throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            FundingAttempt mined = attemptOrCurrent(h, fundingId, txHash);
            h.createUpdate("UPDATE escrow_fundings SET state = 'CONFIRMED', block_number = :bn, block_hash = :bh,"
                            + " tx_hash = :tx, raw_tx = :raw, last_error = NULL, confirmed_at = :now,"
                            + " updated_at = :now WHERE funding_id = :id AND state IN ('SIGNED', 'BROADCAST')")
                    .bind("bn", blockNumber)
                    .bind("bh", blockHash)
                    .bind("tx", mined.txHash())
                    .bind("raw", mined.rawTx())
                    .bind("now", now)
                    .bind("id", fundingId)
                    .execute();
            return load(h, fundingId);
        });
    }

    /** Reverted, or its nonce was used by another transaction: it no longer counts against the cap. */
    public Funding markFailed(String fundingId, Long blockNumber, String reason) throws SQLException {
        return markFailed(fundingId, null, blockNumber, reason);
    }

    /**
     * Reverted (the attempt {@code txHash} was mined with status 0, and becomes the funding's transaction), or its
     * nonce was used by another transaction: it no longer counts against the cap.
     *
     * @param txHash the reverted attempt; null = the current one (e.g. the nonce went elsewhere)
     */
    public Funding markFailed(String fundingId, String txHash, Long blockNumber, String reason) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            FundingAttempt attempt = attemptOrCurrent(h, fundingId, txHash);
            h.createUpdate("UPDATE escrow_fundings SET state = 'FAILED', block_number = :bn, last_error = :err,"
                            + " tx_hash = :tx, raw_tx = :raw, updated_at = :now WHERE funding_id = :id AND state IN"
                            + " ('SIGNED', 'BROADCAST')")
                    .bind("bn", blockNumber)
                    .bind("err", truncate(reason))
                    .bind("tx", attempt.txHash())
                    .bind("raw", attempt.rawTx())
                    .bind("now", now)
                    .bind("id", fundingId)
                    .execute();
            return load(h, fundingId);
        });
    }

    /**
     * Stores a fee-bumped replacement of an open funding, signed with the <b>same nonce</b> (the caller's duty: the
     * store holds raw bytes only), as its next attempt; it becomes the current transaction (the one broadcast next)
     * and {@code last_error} is cleared. Committed before it is broadcast; earlier attempts stay stored, since any one
     * of them may still be mined.
     *
     * @throws IllegalStateException when the funding is no longer open (confirmed or failed meanwhile): nothing stored
     */
    public Funding replace(String fundingId, Signed replacement) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Funding f = h.createQuery("SELECT " + COLUMNS + " FROM escrow_fundings WHERE funding_id = :id FOR UPDATE")
                    .bind("id", fundingId)
                    .map((rs, ctx) -> map(rs))
                    .one();
            if (!f.open()) {
                throw new IllegalStateException("funding " + fundingId + " is " + f.state() + ", cannot replace");
            }
            int attempt = f.replacements() + 1;
            insertAttempt(h, fundingId, attempt, replacement, now);
            h.createUpdate("UPDATE escrow_fundings SET tx_hash = :tx, raw_tx = :raw, replacements = :n,"
                            + " last_error = NULL, updated_at = :now WHERE funding_id = :id")
                    .bind("tx", replacement.hash())
                    .bind("raw", replacement.raw())
                    .bind("n", attempt)
                    .bind("now", now)
                    .bind("id", fundingId)
                    .execute();
            return load(h, fundingId);
        });
    }

    /** Every signed attempt of a funding, oldest first (the last one is the current). */
    public List<FundingAttempt> attempts(String fundingId) throws SQLException {
        return database.withHandle(h -> attempts(h, fundingId));
    }

    /** Fundings still SIGNED or BROADCAST, per sending key in nonce order (the order they must be mined in). */
    public List<Funding> open() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM escrow_fundings WHERE state IN"
                        + " ('SIGNED', 'BROADCAST') ORDER BY from_address, nonce")
                .map((rs, ctx) -> map(rs))
                .list());
    }

    /** The open funding for (purpose, beneficiary), if any: a new one waits until it is confirmed or failed. */
    public Optional<Funding> openFor(FundingPurpose purpose, String beneficiary) throws SQLException {
        String b = beneficiary.toLowerCase(Locale.ROOT);
        return open().stream()
                .filter(f -> f.purpose() == purpose && f.beneficiary().equals(b))
                .findFirst();
    }

    /** The latest fundings for {@code purpose}, newest first; {@code beneficiary} null = any. */
    public List<Funding> recent(FundingPurpose purpose, String beneficiary, int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM escrow_fundings WHERE purpose = :p"
                        + (beneficiary == null ? "" : " AND beneficiary = :b")
                        + " ORDER BY created_at DESC, nonce DESC LIMIT :limit")
                .bind("p", purpose.name())
                .bind("b", beneficiary == null ? null : beneficiary.toLowerCase(Locale.ROOT))
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
    }

    /** Fundings per state (every state present, 0 when none). */
    public java.util.Map<FundingState, Long> countByState() throws SQLException {
        java.util.Map<FundingState, Long> counts = new java.util.EnumMap<>(FundingState.class);
        for (FundingState s : FundingState.values()) {
            counts.put(s, 0L);
        }
        database.withHandle(h -> {
            h.createQuery("SELECT state, COUNT(*) AS n FROM escrow_fundings GROUP BY state")
                    .map((rs, ctx) -> {
                        counts.put(FundingState.valueOf(rs.getString("state")), rs.getLong("n"));
                        return null;
                    })
                    .list();
            return null;
        });
        return counts;
    }

    private Funding update(String fundingId, String assignments, String error) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("UPDATE escrow_fundings SET " + assignments + ", updated_at = :now WHERE funding_id = :id")
                    .bind("now", now)
                    .bind("err", truncate(error))
                    .bind("id", fundingId)
                    .execute();
            return load(h, fundingId);
        });
    }

    private static List<FundingAttempt> attempts(Handle h, String fundingId) {
        return h.createQuery("SELECT funding_id, attempt, tx_hash, raw_tx, created_at FROM escrow_funding_attempts"
                        + " WHERE funding_id = :id ORDER BY attempt")
                .bind("id", fundingId)
                .map((rs, ctx) -> new FundingAttempt(
                        rs.getString("funding_id"),
                        rs.getInt("attempt"),
                        rs.getString("tx_hash"),
                        rs.getString("raw_tx"),
                        Rows.instant(rs, "created_at")))
                .list();
    }

    private static FundingAttempt attemptOrCurrent(Handle h, String fundingId, String txHash) {
        List<FundingAttempt> all = attempts(h, fundingId);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no funding " + fundingId);
        }
        if (txHash == null) {
            return all.get(all.size() - 1);
        }
        return all.stream()
                .filter(a -> a.txHash().equalsIgnoreCase(txHash))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("transaction " + txHash + " is not an attempt of " + fundingId));
    }

    private static void insertAttempt(Handle h, String fundingId, int attempt, Signed signed, Instant now) {
        h.createUpdate("INSERT INTO escrow_funding_attempts (funding_id, attempt, tx_hash, raw_tx, created_at)"
                        + " VALUES (:id, :a, :tx, :raw, :now)")
                .bind("id", fundingId)
                .bind("a", attempt)
                .bind("tx", signed.hash())
                .bind("raw", signed.raw())
                .bind("now", now)
                .execute();
    }

    private static BigInteger counted(Handle h, FundingPurpose purpose, String beneficiary, LocalDate day) {
        return h.createQuery("SELECT COALESCE(SUM(value_wei), 0) AS total FROM escrow_fundings WHERE beneficiary = :b"
                        + " AND purpose = :p AND funding_day = :day AND state <> 'FAILED'")
                .bind("b", beneficiary)
                .bind("p", purpose.name())
                .bind("day", day)
                .map((rs, ctx) -> Rows.integer(rs, "total"))
                .one();
    }

    private static Funding load(Handle h, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM escrow_fundings WHERE funding_id = :id")
                .bind("id", id)
                .map((rs, ctx) -> map(rs))
                .one();
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 2000 ? s : s.substring(0, 2000);
    }

    private static Funding map(ResultSet rs) throws SQLException {
        long bn = rs.getLong("block_number");
        Long blockNumber = rs.wasNull() ? null : bn;
        return new Funding(
                rs.getString("funding_id"),
                FundingPurpose.valueOf(rs.getString("purpose")),
                rs.getString("beneficiary"),
                Rows.integer(rs, "deposit_wei"),
                Rows.integer(rs, "reserve_wei"),
                Rows.integer(rs, "value_wei"),
                rs.getObject("funding_day", LocalDate.class),
                rs.getLong("chain_id"),
                rs.getString("from_address"),
                Rows.integer(rs, "nonce"),
                rs.getString("raw_tx"),
                rs.getString("tx_hash"),
                FundingState.valueOf(rs.getString("state")),
                blockNumber,
                rs.getString("block_hash"),
                rs.getString("last_error"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"),
                Rows.instant(rs, "broadcast_at"),
                Rows.instant(rs, "confirmed_at"),
                rs.getInt("replacements"));
    }
}
