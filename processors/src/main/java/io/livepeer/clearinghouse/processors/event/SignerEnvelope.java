package io.livepeer.clearinghouse.processors.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * The go-livepeer Kafka envelope ({@code monitor/kafka.go GatewayEvent}): {@code {id, type, timestamp, gateway, data}}.
 *
 * @param id        envelope UUID, or {@code null} when the producer omitted it (hand-written smoke tests do)
 * @param type      event type, e.g. {@code create_signed_ticket}
 * @param timestamp envelope time (Unix milliseconds as a decimal string on the wire), or {@code null}
 * @param gateway   the signer's {@code -gatewayHost}, often empty; never {@code null}
 * @param data      the raw {@code data} node: an object for {@code create_signed_ticket}, arrays for other types
 */
public record SignerEnvelope(String id, String type, Instant timestamp, String gateway, JsonNode data) {

    /** The only event type that is metered. */
    public static final String CREATE_SIGNED_TICKET = "create_signed_ticket";

    /** Whether this envelope carries a signed ticket (and therefore billable usage). */
    public boolean isSignedTicket() {
        return CREATE_SIGNED_TICKET.equals(type);
    }
}
