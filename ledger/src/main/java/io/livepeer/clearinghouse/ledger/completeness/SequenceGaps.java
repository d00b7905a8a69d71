package io.livepeer.clearinghouse.ledger.completeness;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The read side of completeness tracking: open <b>gaps</b> in payment sessions' sequence numbers, derived from
 * {@code ticket_events} of the sessions whose summary counts missing numbers on every read (so a late event fills its
 * gap by simply being recorded, and no instance keeps gap state). A session is {@code (signer, subject, session_id)}; its sequence numbers start at 0 and grow by one per
 * signing call (go-livepeer {@code RemotePaymentState.SequenceNumber}), so every number below the highest one seen
 * was signed. A gap is a run of numbers not seen: between two seen numbers, or below the lowest one (a leading gap,
 * not reported for sessions first seen within {@link #LEADING_GRACE} of the start of tracking: they began before it).
 *
 * <p><b>Estimate of a gap's unbilled value</b>: the session's average per seen call times the calls missing, i.e.
 * {@code missing × sum(fee_wei) / count} (wei, rounded down), {@code missing × sum(network_usd_micros) / count} (USD
 * micros, 6 decimals, half-up) and {@code missing × sum(num_tickets) / count} tickets (rounded down).
 *
 * <p>Cost: bounded by the sessions with an open gap, not by the history: the metering transaction keeps one summary
 * row per session ({@code ticket_sessions}, V10, with its count of missing numbers), and a read visits only the rows
 * with {@code missing > 0} (indexed) and those sessions' events (by the unique key), with window functions.
 */
public final class SequenceGaps {

    /** Sessions first seen within this time of the start of tracking may have begun before it. */
    public static final Duration LEADING_GRACE = Duration.ofHours(1);

    /** The estimation rule in words (the API returns it beside the estimates). */
    public static final String ESTIMATION_RULE = "missing calls x the session's average per received call (fee in wei"
            + " rounded down, USD micros to 6 decimals half-up, tickets rounded down)";

    private static final String SESSION = "PARTITION BY e.signer, e.subject, e.session_id";

    /**
     * Only the sessions whose summary row ({@code ticket_sessions}, V10) counts missing numbers (index
     * {@code ticket_sessions_missing_idx}), and only their events (the unique key of {@code ticket_events} on
     * (signer, subject, session, sequence)); closed sessions are never read. The session's sums come from its summary
     * row; below the first event retention left ({@code pruned_through}) every number was seen.
     */
    static final String GAPS = "SELECT id, signer, subject, session_id, prev_seq, sequence_number,"
            + " first_seen, session_wei, session_micros, session_tickets, session_events FROM ("
            + "SELECT e.id, e.signer, e.subject, e.session_id, e.sequence_number,"
            + " COALESCE(LAG(e.sequence_number) OVER (" + SESSION + " ORDER BY e.sequence_number), s.pruned_through)"
            + " AS prev_seq,"
            + " MIN(e.seen_at) OVER (" + SESSION + " ORDER BY e.sequence_number DESC"
            + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS first_seen,"
            + " s.first_seen AS session_first_seen, s.fee_wei AS session_wei,"
            + " s.network_usd_micros AS session_micros, s.num_tickets AS session_tickets, s.events AS session_events"
            + " FROM ticket_sessions s JOIN ticket_events e ON e.signer = s.signer AND e.subject = s.subject"
            + " AND e.session_id = s.session_id WHERE s.missing > 0) t"
            + " WHERE (sequence_number - prev_seq > 1 OR (prev_seq IS NULL AND sequence_number > 0"
            + " AND session_first_seen >= :leading_after))";

    private final Database database;

    public SequenceGaps(Database database) {
        this.database = database;
    }

    /**
     * A page of open gaps, newest first (by the id of the event that revealed the gap's end).
     *
     * @param before only gaps whose {@link Gap#id} is below this cursor, or null
     * @param limit  page size
     */
    public List<Gap> list(Long before, int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery(
                        GAPS + (before == null ? "" : " AND id < :before") + " ORDER BY id DESC LIMIT :limit")
                .bind(
                        "leading_after",
                        OffsetDateTime.ofInstant(
                                h.createQuery("SELECT started_at FROM ticket_tracking WHERE id = 1")
                                        .map((rs, ctx) -> Rows.instant(rs, "started_at"))
                                        .one()
                                        .plus(LEADING_GRACE),
                                ZoneOffset.UTC))
                .bind("before", before)
                .bind("limit", limit)
                .map((rs, ctx) -> {
                    long to = rs.getLong("sequence_number") - 1;
                    long prev = rs.getLong("prev_seq");
                    long from = rs.wasNull() ? 0 : prev + 1;
                    long missing = to - from + 1;
                    long events = rs.getLong("session_events");
                    BigInteger wei = Rows.integer(rs, "session_wei");
                    BigDecimal micros = rs.getBigDecimal("session_micros");
                    BigInteger tickets = Rows.integer(rs, "session_tickets");
                    return new Gap(
                            rs.getLong("id"),
                            rs.getString("signer"),
                            rs.getString("subject"),
                            rs.getString("session_id"),
                            from,
                            to,
                            missing,
                            Rows.instant(rs, "first_seen"),
                            wei.multiply(BigInteger.valueOf(missing)).divide(BigInteger.valueOf(events)),
                            micros.multiply(BigDecimal.valueOf(missing))
                                    .divide(BigDecimal.valueOf(events), 6, RoundingMode.HALF_UP),
                            tickets.multiply(BigInteger.valueOf(missing))
                                    .divide(BigInteger.valueOf(events))
                                    .longValueExact());
                })
                .list());
    }

    /** All open gaps added up. */
    public Summary summary() throws SQLException {
        long gaps = 0;
        long missing = 0;
        long tickets = 0;
        BigInteger wei = BigInteger.ZERO;
        BigDecimal micros = BigDecimal.ZERO;
        Instant oldest = null;
        for (Gap g : list(null, Integer.MAX_VALUE)) {
            gaps++;
            missing += g.missingSequences();
            tickets += g.estimatedTickets();
            wei = wei.add(g.estimatedUnbilledWei());
            micros = micros.add(g.estimatedUnbilledUsdMicros());
            oldest = oldest == null || g.firstSeen().isBefore(oldest) ? g.firstSeen() : oldest;
        }
        return new Summary(gaps, missing, tickets, wei, micros, oldest);
    }

    /**
     * One run of sequence numbers of a session whose events never arrived.
     *
     * @param id                        the cursor: id of the first event seen above the gap
     * @param signer                    payer address, else gateway ({@code ""} when unset)
     * @param subject                   customer key
     * @param sessionId                 {@code session_id}
     * @param fromSequence              first missing sequence number
     * @param toSequence                last missing sequence number (inclusive)
     * @param missingSequences          signing calls missing
     * @param firstSeen                 when the gap was first observable (earliest seen event above it)
     * @param estimatedUnbilledWei      estimate (see the class): wei
     * @param estimatedUnbilledUsdMicros estimate: USD micros at the prices the session's seen events were billed at
     * @param estimatedTickets          estimate: tickets in the missing calls
     */
    public record Gap(
            long id,
            String signer,
            String subject,
            String sessionId,
            long fromSequence,
            long toSequence,
            long missingSequences,
            Instant firstSeen,
            BigInteger estimatedUnbilledWei,
            BigDecimal estimatedUnbilledUsdMicros,
            long estimatedTickets) {}

    /**
     * @param openGaps                   gaps open
     * @param missingSequences           signing calls missing in them
     * @param estimatedTickets           tickets estimated in them
     * @param estimatedUnbilledWei       estimated unbilled value, wei
     * @param estimatedUnbilledUsdMicros estimated unbilled value, USD micros
     * @param oldestFirstSeen            when the oldest open gap was first observable, or null when none
     */
    public record Summary(
            long openGaps,
            long missingSequences,
            long estimatedTickets,
            BigInteger estimatedUnbilledWei,
            BigDecimal estimatedUnbilledUsdMicros,
            Instant oldestFirstSeen) {}
}
