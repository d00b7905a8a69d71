package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The power meter (livepeer-ops {@code payments/power_meter.py}): each poll of an orchestrator's {@code /power} is
 * recorded; the time between two consecutive {@code awake} polls is credited as {@code power_time} when the
 * orchestrator is eligible and the polls are at most the maximum gap apart ({@link PowerGap}), as whole wei with the
 * fraction carried per orchestrator ({@link WeiAccrual}); transfer id {@code power_time:<id>:<n>}.
 */
public final class PowerMeter {

    private final Database database;
    private final Clock clock;
    private final EarningsCredit credit;

    public PowerMeter(Database database, Clock clock, EarningsCredit credit) {
        this.database = database;
        this.clock = clock;
        this.credit = credit;
    }

    /** The meter's state for one orchestrator. */
    public record State(String orchestratorId, String lastState, Instant lastPolledAt, Instant lastGapSkippedAt) {}

    /**
     * Records one poll.
     *
     * @param state        the state read ({@code awake}, {@code asleep}, …), or null when the poll failed
     * @param eligible     whether the orchestrator may earn now
     * @param maxGap       {@code PAYMENTS_POWER_MAX_GAP_SECONDS}
     * @param weiPerMinute {@code PAYMENTS_POWER_CREDIT_ETH_PER_MINUTE} in wei
     * @return the wei credited by this poll (0 when none)
     */
    public BigInteger record(
            String orchestratorId, String state, boolean eligible, Duration maxGap, BigInteger weiPerMinute)
            throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("INSERT INTO orchestrator_power_meter (orchestrator_id) VALUES (:id) ON CONFLICT DO NOTHING")
                    .bind("id", orchestratorId)
                    .execute();
            var row = h.createQuery("SELECT * FROM orchestrator_power_meter WHERE orchestrator_id = :id "
                            + database.dialect().rowLockForUpdate())
                    .bind("id", orchestratorId)
                    .map((rs, ctx) -> new Object[] {
                        rs.getString("last_state"),
                        Rows.instant(rs, "last_polled_at"),
                        rs.getLong("segment_index"),
                        Rows.integer(rs, "accrued_numerator"),
                        Rows.integer(rs, "credited_wei")
                    })
                    .one();
            String previous = (String) row[0];
            Instant previousAt = (Instant) row[1];
            long index = (Long) row[2];
            BigInteger numerator = (BigInteger) row[3];
            BigInteger creditedTotal = (BigInteger) row[4];
            PowerGap.Outcome outcome = PowerGap.judge(previous, previousAt, state, now, maxGap);
            BigInteger wei = BigInteger.ZERO;
            Instant gapSkipped = null;
            if (outcome == PowerGap.Outcome.GAP_SKIPPED) {
                gapSkipped = now;
            } else if (outcome == PowerGap.Outcome.CREDIT && eligible && weiPerMinute.signum() > 0) {
                long ms = Duration.between(previousAt, now).toMillis();
                WeiAccrual.Step step = WeiAccrual.accrue(numerator, ms, weiPerMinute);
                numerator = step.numerator();
                wei = step.creditWei();
                if (wei.signum() > 0) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("segment_start", ProofHash.isoformat(previousAt));
                    m.put("segment_end", ProofHash.isoformat(now));
                    m.put("duration_ms", String.valueOf(ms));
                    m.put("state", state);
                    m.put("credit_rate_eth_per_minute", WeiAccrual.eth(weiPerMinute));
                    m.put("credit_unit", "wei");
                    credit.credit(orchestratorId, wei, "power_time:" + orchestratorId + ":" + index, "power_time", m);
                    creditedTotal = creditedTotal.add(wei);
                    index++;
                }
            }
            h.createUpdate("UPDATE orchestrator_power_meter SET last_state = :state, last_polled_at = :now,"
                            + " last_gap_skipped_at = COALESCE(:gap, last_gap_skipped_at), segment_index = :idx,"
                            + " accrued_numerator = :num, credited_wei = :total WHERE orchestrator_id = :id")
                    .bind("state", state)
                    .bind("now", now)
                    .bind("gap", gapSkipped)
                    .bind("idx", index)
                    .bind("num", numerator)
                    .bind("total", creditedTotal)
                    .bind("id", orchestratorId)
                    .execute();
            return wei;
        });
    }

    /** The last recorded poll, if any. */
    public Optional<State> state(String orchestratorId) throws SQLException {
        return database.withHandle(h -> h.createQuery(
                        "SELECT * FROM orchestrator_power_meter WHERE orchestrator_id = :id")
                .bind("id", orchestratorId)
                .map((rs, ctx) -> new State(
                        rs.getString("orchestrator_id"),
                        rs.getString("last_state"),
                        Rows.instant(rs, "last_polled_at"),
                        Rows.instant(rs, "last_gap_skipped_at")))
                .findOne());
    }
}
