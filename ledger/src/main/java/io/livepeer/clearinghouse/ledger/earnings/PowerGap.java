package io.livepeer.clearinghouse.ledger.earnings;

import java.time.Duration;
import java.time.Instant;

/**
 * The power meter's rule (livepeer-ops {@code payments/power_meter.py}): time between two consecutive polls that both
 * read {@code awake} is credited as {@code power_time}, unless the polls are further apart than the maximum gap
 * ({@code PAYMENTS_POWER_MAX_GAP_SECONDS}, 180), in which case nothing is credited and the gap is recorded as skipped.
 */
public final class PowerGap {

    private PowerGap() {}

    /** What a poll means for credit. */
    public enum Outcome {
        /** previous and current poll awake, within the gap: credit the elapsed time */
        CREDIT,
        /** both awake but too far apart: credit nothing, record {@code last_gap_skipped_at} */
        GAP_SKIPPED,
        /** no previous poll, or one of the two not awake, or the clock went backwards: nothing */
        NONE
    }

    /**
     * @param previousState  the last recorded state, or null
     * @param previousAt     when it was recorded, or null
     * @param state          the state just read ({@code awake}, {@code asleep}, ..., or null when the poll failed)
     * @param now            now
     * @param maxGap         the maximum gap
     */
    public static Outcome judge(String previousState, Instant previousAt, String state, Instant now, Duration maxGap) {
        if (previousAt == null || !"awake".equals(previousState) || !"awake".equals(state)) {
            return Outcome.NONE;
        }
        Duration elapsed = Duration.between(previousAt, now);
        if (elapsed.isNegative() || elapsed.isZero()) {
            return Outcome.NONE;
        }
        return elapsed.compareTo(maxGap) > 0 ? Outcome.GAP_SKIPPED : Outcome.CREDIT;
    }
}
