package io.livepeer.clearinghouse.processors.metering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.event.InvalidEventException;
import io.livepeer.clearinghouse.processors.event.SignedTicket;
import io.livepeer.clearinghouse.processors.event.SignerEnvelope;
import io.livepeer.clearinghouse.processors.event.SignerEventParser;
import io.livepeer.clearinghouse.processors.identity.Identity;
import io.livepeer.clearinghouse.processors.identity.IdentityResolver;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.markup.MarkupRules;
import io.livepeer.clearinghouse.processors.money.UsdPolicy;
import io.livepeer.clearinghouse.processors.money.UsdSource;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Turns one raw signer event into a {@link MeteringOutcome}: other event types are skipped before {@code data} is
 * read, bad input is rejected with a reason, and signed tickets become {@link
 * io.livepeer.clearinghouse.processors.cloudevent.MeteredUsage}. Pure and thread-safe.
 *
 * <p>The CloudEvent id is the envelope's {@code id}. When it is missing, the id is a name-based UUID (version 3)
 * over the event's canonical JSON (object keys sorted), so a replayed copy gets the same id and is deduplicated;
 * {@code request_id} is never used (32 random bits: OpenMeter would silently drop colliding events).
 */
public final class SignerEventMetering {

    /** Longest accepted event id (the outbox column is 255 characters). */
    public static final int MAX_EVENT_ID_LENGTH = 255;

    private static final String DERIVED_ID_NAMESPACE = "clearinghouse:signer-event:";

    private final UsageCloudEventMapper mapper;
    private final MarkupRules markup;
    private final MeteringLimits limits;
    private final UsdPolicy usd;

    /**
     * Our oracle conversion bills, and the price audit flags any divergence of the signer's value (tolerance 0).
     *
     * @param mapper CloudEvent mapper (holds the CloudEvent source)
     * @param markup markup rules from the catalog
     * @param limits sanity bounds
     */
    public SignerEventMetering(UsageCloudEventMapper mapper, MarkupRules markup, MeteringLimits limits) {
        this(mapper, markup, limits, new UsdPolicy(UsdSource.ORACLE, BigDecimal.ZERO));
    }

    /**
     * @param mapper CloudEvent mapper (holds the CloudEvent source)
     * @param markup markup rules from the catalog
     * @param limits sanity bounds
     * @param usd    which USD value bills (ours or the signer's {@code computed_fee_usd}) and the audit tolerance
     */
    public SignerEventMetering(UsageCloudEventMapper mapper, MarkupRules markup, MeteringLimits limits, UsdPolicy usd) {
        this.mapper = mapper;
        this.markup = markup;
        this.limits = limits;
        this.usd = usd;
    }

    /** The USD policy metering applies. */
    public UsdPolicy usdPolicy() {
        return usd;
    }

    /**
     * @param raw        the Kafka record value
     * @param price      the ETH/USD price to convert at (callers must not meter without one)
     * @param receivedAt when the record was received, by our clock: the fallback usage time and the reference of the
     *     future-skew and past-age checks (never the Kafka record timestamp, which is the signer's clock)
     * @return metered, skipped or rejected; never throws for bad input
     */
    public MeteringOutcome meter(byte[] raw, PriceQuote price, Instant receivedAt) {
        SignerEnvelope envelope;
        try {
            envelope = SignerEventParser.parseEnvelope(raw);
        } catch (InvalidEventException e) {
            return new MeteringOutcome.Rejected(e.getMessage(), e.eventId());
        }
        if (!envelope.isSignedTicket()) {
            return new MeteringOutcome.Skipped(envelope.type());
        }
        SignedTicket ticket;
        try {
            ticket = SignerEventParser.parseTicket(envelope);
        } catch (InvalidEventException e) {
            return new MeteringOutcome.Rejected(e.getMessage(), e.eventId());
        }
        String eventId = envelope.id() != null ? envelope.id() : derivedId(raw);
        if (eventId.length() > MAX_EVENT_ID_LENGTH) {
            return new MeteringOutcome.Rejected("id is longer than " + MAX_EVENT_ID_LENGTH + " characters", null);
        }
        if (ticket.computedFeeWei().compareTo(limits.maxFeeWei()) > 0) {
            return new MeteringOutcome.Rejected(
                    "computed_fee " + ticket.computedFeeWei() + " wei exceeds the limit of " + limits.maxFeeWei()
                            + " wei per call",
                    eventId);
        }
        Optional<Identity> identity = IdentityResolver.resolve(
                ticket.authId(), ticket.clientId(), ticket.usageSubject(), ticket.usageSubjectType());
        if (identity.isEmpty()) {
            return new MeteringOutcome.Rejected(
                    "no billable identity: auth_id is empty (and no client_id + usage_subject) or the owner id is empty",
                    eventId);
        }
        Instant time = ticket.currentTime() != null
                ? ticket.currentTime()
                : envelope.timestamp() != null ? envelope.timestamp() : receivedAt;
        if (time.isAfter(receivedAt.plus(limits.maxFutureSkew()))) {
            return new MeteringOutcome.Rejected(
                    "usage time " + time + " lies in the future (received " + receivedAt + ")", eventId);
        }
        if (time.isBefore(receivedAt.minus(limits.maxPastAge()))) {
            // OpenMeter and Konnect ignore or refuse usage older than their backdating window: it would be debited
            // here and never billed there
            return new MeteringOutcome.Rejected(
                    "usage time " + time + " is older than the backdating window of " + days(limits.maxPastAge())
                            + " (received " + receivedAt + "; OpenMeter and Konnect ignore or refuse older events)",
                    eventId);
        }
        MeteredUsage usage = mapper.map(eventId, time, envelope, ticket, identity.get(), price, markup, usd);
        Optional<String> unstorable = StorageBounds.problem(
                usage.eventId(),
                usage.subject(),
                usage.pipeline(),
                usage.modelId(),
                usage.orchAddress(),
                usage.networkMicros(),
                usage.billableMicros());
        if (unstorable.isPresent()) {
            // an id that does not fit (or carries NUL) would break the dead letter's event_id column too
            String safeId = eventId.length() <= StorageBounds.MAX_EVENT_ID && !StorageBounds.unstorable(eventId)
                    ? eventId
                    : null;
            return new MeteringOutcome.Rejected("cannot be stored: " + unstorable.get(), safeId);
        }
        return new MeteringOutcome.Metered(usage, SessionPosition.of(envelope, ticket));
    }

    private static String days(java.time.Duration age) {
        return age.toHours() % 24 == 0 && age.toDays() > 0 && age.toSeconds() % 3600 == 0
                ? age.toDays() + " days"
                : age.toString();
    }

    /**
     * The stable id of an envelope without {@code id}: UUID v3 over {@code clearinghouse:signer-event:} plus the
     * canonical JSON (keys sorted at every level). Whitespace and key order do not change it.
     */
    static String derivedId(byte[] raw) {
        try {
            JsonNode canonical = canonicalize(Json.mapper().readTree(raw));
            byte[] name = (DERIVED_ID_NAMESPACE + Json.mapper().writeValueAsString(canonical))
                    .getBytes(StandardCharsets.UTF_8);
            return UUID.nameUUIDFromBytes(name).toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("event was parsed before, it must parse again", e);
        }
    }

    private static JsonNode canonicalize(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                sorted.put(field.getKey(), canonicalize(field.getValue()));
            }
            ObjectNode copy = Json.mapper().createObjectNode();
            sorted.forEach(copy::set);
            return copy;
        }
        if (node.isArray()) {
            var copy = Json.mapper().createArrayNode();
            node.forEach(child -> copy.add(canonicalize(child)));
            return copy;
        }
        return node;
    }
}
