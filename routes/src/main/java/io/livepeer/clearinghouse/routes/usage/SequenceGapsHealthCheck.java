package io.livepeer.clearinghouse.routes.usage;

import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A warning, never DOWN: open gaps in payment sessions' sequence numbers (signed tickets whose events never arrived;
 * see {@link SequenceGaps}) as details and a message. Lost events are the signer's loss (its Kafka path drops
 * events when its queue is full), not a fault of this instance, so they neither fail {@code /observe/health} nor take
 * anything out of rotation; alert on {@code clearinghouse_sequence_gaps_open} instead. Reads the
 * {@link CompletenessMonitor}'s last refresh, never the database.
 */
public final class SequenceGapsHealthCheck extends AbstractHealthCheck {

    private final CompletenessMonitor monitor;

    public SequenceGapsHealthCheck(CompletenessMonitor monitor) {
        super("clearinghouse", "sequence-gaps");
        this.monitor = monitor;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        SequenceGaps.Summary s = monitor.last();
        builder.up();
        if (s == null) {
            builder.message("not computed yet");
            return;
        }
        builder.detail("open_gaps", s.openGaps());
        builder.detail("missing_calls", s.missingSequences());
        builder.detail("estimated_missing_tickets", s.estimatedTickets());
        builder.detail(
                "estimated_unbilled_usd_micros", s.estimatedUnbilledUsdMicros().toPlainString());
        builder.detail("estimated_unbilled_wei", s.estimatedUnbilledWei().toString());
        if (s.openGaps() == 0) {
            builder.message("no open gaps");
            return;
        }
        builder.detail("oldest_first_seen", s.oldestFirstSeen().toString());
        builder.detail("warning", "signed tickets whose events never arrived");
        builder.message("WARNING: " + s.openGaps() + " open gap(s) in payment sessions, " + s.missingSequences()
                + " signing call(s) missing, estimated unbilled "
                + s.estimatedUnbilledUsdMicros().toPlainString()
                + " USD micros (GET /api/usage/gaps)");
    }
}
