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
 * Amounts in wei.
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
            + " last_error, created_at, updated_at, broadcast_at, confirmed_at";

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

    /** Mined with status 1 and confirmed in {@code blockHash}. */
    public Funding markConfirmed(String fundingId, long blockNumber, String blockHash) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("UPDATE escrow_fundings SET state = 'CONFIRMED', block_number = :bn, block_hash = :bh,"
                            + " confirmed_at = :now, updated_at = :now WHERE funding_id = :id AND state IN"
                            + " ('SIGNED', 'BROADCAST')")
                    .bind("bn", blockNumber)
                    .bind("bh", blockHash)
                    .bind("now", now)
                    .bind("id", fundingId)
                    .execute();
            return load(h, fundingId);
        });
    }

    /** Reverted, or its nonce was used by another transaction: it no longer counts against the cap. */
    public Funding markFailed(String fundingId, Long blockNumber, String reason) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("UPDATE escrow_fundings SET state = 'FAILED', block_number = :bn, last_error = :err,"
                            + " updated_at = :now WHERE funding_id = :id AND state IN ('SIGNED', 'BROADCAST')")
                    .bind("bn", blockNumber)
                    .bind("err", truncate(reason))
                    .bind("now", now)
                    .bind("id", fundingId)
                    .execute();
            return load(h, fundingId);
        });
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
                Rows.instant(rs, "confirmed_at"));
    }
}
