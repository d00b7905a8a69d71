package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.completeness.TicketFacts;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.metering.MeteringBatchProcessor;
import java.time.Instant;

/**
 * The metering of the live route ({@link SignerEventMetering} and the same outbox mapping,
 * {@link MeteringBatchProcessor#toOutbox}) applied to one raw record outside it, for {@code replay --from-…} and
 * {@code dead-letters redrive}. A metering defect (a runtime exception) becomes a rejection, as in the route.
 */
final class OfflineMetering {

    private final SignerEventMetering metering;
    private final PriceQuote price;
    private final boolean trackSequences;

    /**
     * @param metering       the metering function built from the application's settings and catalog
     * @param price          the ETH/USD price every record is converted with
     * @param trackSequences whether completeness is tracked as in the route ({@code clearinghouse.metering
     *                       .track-sequences}): metered results then carry their {@link TicketFacts}
     */
    OfflineMetering(SignerEventMetering metering, PriceQuote price, boolean trackSequences) {
        this.metering = metering;
        this.price = price;
        this.trackSequences = trackSequences;
    }

    /** Whether metered results carry completeness facts (gap and fork tracking on). */
    boolean tracksSequences() {
        return trackSequences;
    }

    /** What one record becomes. */
    enum Kind {
        METERED,
        REJECTED,
        SKIPPED
    }

    /**
     * One metered record.
     *
     * @param kind       metered, rejected (a dead letter) or skipped (not a metered type)
     * @param source     Kafka coordinates
     * @param eventId    the event id (metered), the envelope id when readable (rejected), else null
     * @param outbox     the outbox row when metered, else null
     * @param deadLetter the dead letter when rejected, else null
     * @param detail     the reason when rejected, the event type when skipped, the subject when metered
     * @param key        the Kafka key, may be null
     * @param raw        the record value
     * @param facts      its completeness facts when metered and tracking is on, else null
     */
    record Result(
            Kind kind,
            KafkaCoordinates source,
            String eventId,
            OutboxEntry outbox,
            DeadLetterEntry deadLetter,
            String detail,
            String key,
            byte[] raw,
            TicketFacts facts) {

        /**
         * This record as a dead letter the database refused (SQLSTATE class 22/23), with its reason; without key and
         * event id when it was the dead letter itself that was refused.
         */
        DeadLetterEntry refused(String databaseReason) {
            String reason = "refused by the database: " + databaseReason;
            return deadLetter == null
                    ? new DeadLetterEntry(source, key, eventId, reason, raw)
                    : new DeadLetterEntry(source, null, null, "dead letter " + reason + "; was: " + detail, raw);
        }
    }

    /**
     * Meters one record.
     *
     * @param raw        the record value
     * @param source     its Kafka coordinates
     * @param key        its Kafka key, may be null
     * @param receivedAt now, by our clock (the reference of the future-skew and past-age checks, as in the route)
     */
    Result meter(byte[] raw, KafkaCoordinates source, String key, Instant receivedAt) {
        byte[] bytes = raw == null ? new byte[0] : raw;
        MeteringOutcome outcome;
        try {
            outcome = metering.meter(raw, price, receivedAt);
        } catch (RuntimeException e) {
            outcome = new MeteringOutcome.Rejected("internal error while metering: " + e, null);
        }
        if (outcome instanceof MeteringOutcome.Metered m) {
            OutboxEntry entry = MeteringBatchProcessor.toOutbox(m.usage(), source);
            return new Result(
                    Kind.METERED,
                    source,
                    entry.eventId(),
                    entry,
                    null,
                    entry.subject(),
                    key,
                    bytes,
                    trackSequences ? MeteringBatchProcessor.ticketFacts(m, key, bytes) : null);
        }
        if (outcome instanceof MeteringOutcome.Rejected r) {
            return new Result(
                    Kind.REJECTED,
                    source,
                    r.eventId(),
                    null,
                    new DeadLetterEntry(source, key, r.eventId(), r.reason(), bytes),
                    r.reason(),
                    key,
                    bytes,
                    null);
        }
        MeteringOutcome.Skipped s = (MeteringOutcome.Skipped) outcome;
        return new Result(Kind.SKIPPED, source, null, null, null, s.eventType(), key, bytes, null);
    }
}
