package io.livepeer.clearinghouse.ledger.payouts;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The nonce manager (table {@code payout_nonces} of V15): the next nonce per sending key and chain, handed out under a
 * row lock inside the database transaction that stores the signed transaction, so a key has one writer across
 * instances. Every flow that sends from a key (payouts, deposit autofund, escrow top-ups) takes its nonces here;
 * a nonce taken in a transaction that rolls back is not used.
 */
public final class Nonces {

    private final Database database;
    private final Clock clock;

    /** Nonces kept in {@code database}; {@code clock} stamps {@code updated_at}. */
    public Nonces(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** The next nonce the manager would hand out for a key, if it has handed out any. */
    public Optional<BigInteger> next(long chainId, String fromAddress) throws SQLException {
        return database.withHandle(
                h -> h.createQuery("SELECT next_nonce FROM payout_nonces WHERE chain_id = :c AND from_address = :f")
                        .bind("c", chainId)
                        .bind("f", fromAddress.toLowerCase(Locale.ROOT))
                        .map((rs, ctx) -> Rows.integer(rs, "next_nonce"))
                        .findOne());
    }

    /**
     * Creates the key's row when absent (own transaction); call before {@link #take}, outside the caller's
     * transaction, so two instances racing to create it do not abort each other's transactions.
     */
    public void ensure(long chainId, String fromAddress, BigInteger start) throws SQLException {
        database.withHandle(h -> h.createUpdate("INSERT INTO payout_nonces (chain_id, from_address, next_nonce,"
                        + " updated_at) VALUES (:c, :f, :n, :now) ON CONFLICT DO NOTHING")
                .bind("c", chainId)
                .bind("f", fromAddress.toLowerCase(Locale.ROOT))
                .bind("n", new BigDecimal(start))
                .bind("now", clock.instant())
                .execute());
    }

    /**
     * Locks the key's row in the caller's transaction {@code h} and returns the nonce to use: the stored next nonce,
     * or {@code chainPendingNonce} (the node's pending transaction count) when higher, so transactions sent by other
     * means are skipped. Call {@link #advance} with it in the same transaction once the transaction is signed.
     *
     * @throws IllegalStateException when {@link #ensure} was not called for the key
     */
    public BigInteger take(Handle h, long chainId, String fromAddress, BigInteger chainPendingNonce) {
        BigInteger stored = h.createQuery("SELECT next_nonce FROM payout_nonces WHERE chain_id = :c AND"
                        + " from_address = :f " + database.dialect().rowLockForUpdate())
                .bind("c", chainId)
                .bind("f", fromAddress.toLowerCase(Locale.ROOT))
                .map((rs, ctx) -> Rows.integer(rs, "next_nonce"))
                .findOne()
                .orElseThrow(() -> new IllegalStateException("no nonce row for " + fromAddress + " on " + chainId));
        return stored.max(chainPendingNonce);
    }

    /** Records that {@code used} was signed: the next nonce becomes {@code used + 1} (caller's transaction). */
    public void advance(Handle h, long chainId, String fromAddress, BigInteger used) {
        h.createUpdate("UPDATE payout_nonces SET next_nonce = :n, updated_at = :now WHERE chain_id = :c AND"
                        + " from_address = :f")
                .bind("n", new BigDecimal(used.add(BigInteger.ONE)))
                .bind("now", clock.instant())
                .bind("c", chainId)
                .bind("f", fromAddress.toLowerCase(Locale.ROOT))
                .execute();
    }
}
