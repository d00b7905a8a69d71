package io.livepeer.clearinghouse.ledger.escrow;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The escrow monitor's reads and writes: metered spend per signer from the usage outbox ({@code outbox_events}, the
 * immutable usage record the metering transaction writes: {@code fee_wei} per {@code create_signed_ticket}, with the
 * signer's {@code payer_address} from go-livepeer v0.9.3 on), and the last poll per signer (table
 * {@code escrow_signers}, V19). Amounts in wei.
 */
public final class EscrowSigners {

    /**
     * Metered {@code fee_wei} since a time.
     *
     * @param byPayer sums per lower-case {@code payer_address}
     * @param unattributed the sum over events without a payer address (signers before go-livepeer v0.9.3)
     */
    public record Spend(Map<String, BigInteger> byPayer, BigInteger unattributed) {

        public Spend {
            byPayer = Map.copyOf(byPayer);
        }

        /** The payer's sum, 0 when it spent nothing. */
        public BigInteger of(String payer) {
            return byPayer.getOrDefault(payer.toLowerCase(Locale.ROOT), BigInteger.ZERO);
        }
    }

    private final Database database;

    public EscrowSigners(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * The sum of metered {@code fee_wei} with {@code event_time} in {@code [since, until)}, per payer address (uses the
     * {@code event_time} index; one grouped scan of the window).
     */
    public Spend spend(Instant since, Instant until) throws SQLException {
        return database.withHandle(h -> {
            Map<String, BigInteger> byPayer = new HashMap<>();
            BigInteger[] unattributed = {BigInteger.ZERO};
            h.createQuery("SELECT LOWER(payer_address) AS payer, SUM(fee_wei) AS total FROM outbox_events WHERE"
                            + " event_time >= :since AND event_time < :until GROUP BY LOWER(payer_address)")
                    .bind("since", since)
                    .bind("until", until)
                    .map((rs, ctx) -> {
                        String payer = rs.getString("payer");
                        BigInteger total = Rows.integer(rs, "total");
                        if (payer == null || payer.isEmpty()) {
                            unattributed[0] = unattributed[0].add(total);
                        } else {
                            byPayer.merge(payer, total, BigInteger::add);
                        }
                        return null;
                    })
                    .list();
            return new Spend(byPayer, unattributed[0]);
        });
    }

    /** Stores a poll (replacing the signer's previous one). */
    public void save(SignerObservation o) throws SQLException {
        database.inTransaction(h -> {
            String signer = o.signer().toLowerCase(Locale.ROOT);
            h.createUpdate("DELETE FROM escrow_signers WHERE signer = :s")
                    .bind("s", signer)
                    .execute();
            h.createUpdate("INSERT INTO escrow_signers (signer, deposit_wei, reserve_wei, withdraw_round,"
                            + " burn_wei_per_hour, runway_hours, last_decision, polled_at) VALUES (:s, :d, :r, :w, :b,"
                            + " :h, :dec, :at)")
                    .bind("s", signer)
                    .bind("d", new BigDecimal(o.depositWei()))
                    .bind("r", new BigDecimal(o.reserveWei()))
                    .bind("w", new BigDecimal(o.withdrawRound()))
                    .bind("b", new BigDecimal(o.burnWeiPerHour()))
                    .bind("h", o.runwayHours())
                    .bind(
                            "dec",
                            o.lastDecision() == null || o.lastDecision().length() <= 2000
                                    ? o.lastDecision()
                                    : o.lastDecision().substring(0, 2000))
                    .bind("at", o.polledAt())
                    .execute();
            return null;
        });
    }

    /** Every stored poll, by signer address. */
    public List<SignerObservation> all() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT signer, deposit_wei, reserve_wei, withdraw_round,"
                        + " burn_wei_per_hour, runway_hours, last_decision, polled_at FROM escrow_signers ORDER BY"
                        + " signer")
                .map((rs, ctx) -> new SignerObservation(
                        rs.getString("signer"),
                        Rows.integer(rs, "deposit_wei"),
                        Rows.integer(rs, "reserve_wei"),
                        Rows.integer(rs, "withdraw_round"),
                        Rows.integer(rs, "burn_wei_per_hour"),
                        rs.getBigDecimal("runway_hours"),
                        rs.getString("last_decision"),
                        Rows.instant(rs, "polled_at")))
                .list());
    }
}
