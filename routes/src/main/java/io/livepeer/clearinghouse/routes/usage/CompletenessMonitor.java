package io.livepeer.clearinghouse.routes.usage;

import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open gaps in payment sessions' sequence numbers as gauges, refreshed by the {@code sequence-gaps} timer route
 * (never on a scrape; a failed read keeps the last values):
 * <ul>
 *   <li>{@code clearinghouse_sequence_gaps_open}: open gaps</li>
 *   <li>{@code clearinghouse_sequence_gaps_missing_calls}: signing calls (sequence numbers) missing in them</li>
 *   <li>{@code clearinghouse_sequence_gaps_missing_tickets}: tickets estimated in them</li>
 *   <li>{@code clearinghouse_sequence_gaps_unbilled_usd_micros}: estimated unbilled value, USD micros (display only:
 *       a double; exact in {@code GET /api/usage/gaps})</li>
 *   <li>{@code clearinghouse_sequence_gaps_oldest_age_seconds}: age of the oldest open gap (0 when none)</li>
 * </ul>
 */
public final class CompletenessMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(CompletenessMonitor.class);

    private final SequenceGaps gaps;
    private final java.time.Clock clock;
    private final AtomicReference<SequenceGaps.Summary> last = new AtomicReference<>();

    /**
     * @param gaps     the gap queries
     * @param registry where the gauges are registered
     */
    public CompletenessMonitor(SequenceGaps gaps, MeterRegistry registry) {
        this(gaps, registry, java.time.Clock.systemUTC());
    }

    CompletenessMonitor(SequenceGaps gaps, MeterRegistry registry, java.time.Clock clock) {
        this.gaps = gaps;
        this.clock = clock;
        gauge(
                registry,
                "clearinghouse.sequence.gaps.open",
                "Open gaps in payment sessions' sequence numbers",
                s -> s.openGaps());
        gauge(
                registry,
                "clearinghouse.sequence.gaps.missing.calls",
                "Signing calls (sequence numbers) missing in open gaps",
                s -> s.missingSequences());
        gauge(
                registry,
                "clearinghouse.sequence.gaps.missing.tickets",
                "Tickets estimated in open gaps (the session's average per call)",
                s -> s.estimatedTickets());
        gauge(
                registry,
                "clearinghouse.sequence.gaps.unbilled.usd.micros",
                "Estimated unbilled value of open gaps, USD micros (display only)",
                s -> s.estimatedUnbilledUsdMicros().doubleValue());
        gauge(
                registry,
                "clearinghouse.sequence.gaps.oldest.age.seconds",
                "Age of the oldest open gap, seconds (0 when none)",
                s -> s.oldestFirstSeen() == null
                        ? 0
                        : Math.max(
                                0,
                                clock.instant().getEpochSecond()
                                        - s.oldestFirstSeen().getEpochSecond()));
    }

    private void gauge(
            MeterRegistry registry,
            String name,
            String description,
            java.util.function.ToDoubleFunction<SequenceGaps.Summary> value) {
        Gauge.builder(name, last, ref -> ref.get() == null ? 0 : value.applyAsDouble(ref.get()))
                .description(description)
                .register(registry);
    }

    /** Recomputes the open gaps. */
    public void refresh() {
        try {
            last.set(gaps.summary());
        } catch (SQLException e) {
            LOG.debug("sequence gap gauges not refreshed: {}", e.getMessage());
        }
    }

    /** The last summary, or null before the first refresh. */
    public SequenceGaps.Summary last() {
        return last.get();
    }
}
