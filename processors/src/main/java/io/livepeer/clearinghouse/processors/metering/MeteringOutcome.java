package io.livepeer.clearinghouse.processors.metering;

import io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage;

/** What became of one signer event. */
public sealed interface MeteringOutcome {

    /**
     * A {@code create_signed_ticket} converted to usage.
     *
     * @param usage    the usage
     * @param position where the ticket sits in its payment session (gap and fork detection), or null when unknown
     */
    record Metered(MeteredUsage usage, SessionPosition position) implements MeteringOutcome {

        /** Usage without a session position. */
        public Metered(MeteredUsage usage) {
            this(usage, null);
        }
    }

    /** Another event type sharing the topic; not billable and not an error. */
    record Skipped(String eventType) implements MeteringOutcome {}

    /**
     * An event that cannot be metered; it must be kept as a dead letter with this reason.
     *
     * @param reason  why, naming the field
     * @param eventId the envelope id when readable, else null
     */
    record Rejected(String reason, String eventId) implements MeteringOutcome {}
}
