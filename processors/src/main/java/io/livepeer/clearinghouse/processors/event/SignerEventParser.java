package io.livepeer.clearinghouse.processors.event;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Parses go-livepeer signer events (contract: go-livepeer {@code monitor/kafka.go} envelope and
 * {@code server/remote_signer.go} {@code create_signed_ticket} data; DESIGN.md §4).
 *
 * <p>Lenient where producers differ: numbers may arrive as strings and strings as numbers; {@code cost} may be named
 * {@code cost_per_pixel} (up to v0.8.11); {@code id} and {@code timestamp} may be missing. Strict where money is
 * concerned: {@code computed_fee} must be a non-negative whole number of wei and is never read through a
 * {@code double}; {@code computed_fee_usd} (v0.9.3) must be null, absent or a plain non-negative decimal string with
 * at most 18 decimal places; {@code payer_address} (v0.9.3) must be absent, blank or a 0x-prefixed 20-byte hex
 * address. A malformed value of either is refused (the event is dead-lettered): it means a producer that breaks the
 * v0.9.3 contract, and a dead letter is visible and can be redriven, where a value dropped on the way could not.
 * Thread-safe and stateless.
 */
public final class SignerEventParser {

    private SignerEventParser() {}

    /**
     * Reads the envelope without interpreting {@code data}, so that other event types (whose {@code data} is an
     * array) can be skipped before anything assumes an object.
     *
     * @param raw the Kafka record value (UTF-8 JSON)
     * @return the envelope
     * @throws InvalidEventException when the bytes are not a JSON object or {@code type} is missing
     */
    public static SignerEnvelope parseEnvelope(byte[] raw) throws InvalidEventException {
        if (raw == null || raw.length == 0) {
            throw new InvalidEventException("empty record", null);
        }
        if (raw.length > Json.MAX_DOCUMENT_CHARS) {
            // the mapper's document limit is not applied to readTree(byte[])
            throw new InvalidEventException(
                    "record larger than " + Json.MAX_DOCUMENT_CHARS + " bytes (" + raw.length + ")", null);
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(raw);
        } catch (JacksonException e) {
            throw new InvalidEventException("not JSON: " + Fields.clip(e.getOriginalMessage()), null);
        } catch (IOException e) {
            throw new InvalidEventException("unreadable record: " + Fields.clip(e.getMessage()), null);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("envelope is not a JSON object", null);
        }
        String id;
        String type;
        try {
            id = Fields.text(root, "id");
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(e.getMessage(), null);
        }
        id = id == null || id.isBlank() ? null : id.trim();
        try {
            type = Fields.text(root, "type");
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(e.getMessage(), id);
        }
        if (type == null || type.isBlank()) {
            throw new InvalidEventException("envelope has no type", id);
        }
        Instant timestamp;
        try {
            timestamp = Fields.epochMillis(root, "timestamp");
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(e.getMessage(), id);
        }
        String gateway = Fields.text(root, "gateway");
        return new SignerEnvelope(id, type.trim(), timestamp, gateway == null ? "" : gateway, root.get("data"));
    }

    /**
     * Reads the {@code data} of a {@code create_signed_ticket} envelope.
     *
     * @param envelope an envelope whose {@link SignerEnvelope#isSignedTicket()} is true
     * @return the ticket, with {@code computedFeeWei} never null
     * @throws InvalidEventException when {@code data} is not an object, the fee is missing, negative, fractional or
     *                               not a number, {@code computed_fee_usd} or {@code payer_address} is malformed,
     *                               or another field has the wrong type
     */
    public static SignedTicket parseTicket(SignerEnvelope envelope) throws InvalidEventException {
        JsonNode data = envelope.data();
        if (data == null || data.isNull() || data.isMissingNode()) {
            throw new InvalidEventException("create_signed_ticket has no data", envelope.id());
        }
        if (!data.isObject()) {
            throw new InvalidEventException(
                    "data is not an object but " + data.getNodeType().name().toLowerCase(), envelope.id());
        }
        try {
            BigInteger fee = Fields.wholeNumber(data, "computed_fee");
            if (fee == null) {
                throw new IllegalArgumentException("computed_fee is missing");
            }
            if (fee.signum() < 0) {
                throw new IllegalArgumentException("computed_fee is negative: " + fee);
            }
            BigDecimal cost = Fields.decimal(data, "cost");
            if (cost == null) {
                cost = Fields.decimal(data, "cost_per_pixel");
            }
            BigDecimal billableSecs = orZero(Fields.decimal(data, "billable_secs"));
            if (billableSecs.signum() < 0) {
                throw new IllegalArgumentException("billable_secs is negative: " + billableSecs.toPlainString());
            }
            BigInteger pixels = orZero(Fields.wholeNumber(data, "pixels"));
            if (pixels.signum() < 0) {
                throw new IllegalArgumentException("pixels is negative: " + pixels);
            }
            Instant currentTime = time(data, "current_time", "current_time_unix");
            Instant previousTime = time(data, "previous_time", "previous_time_unix");
            return new SignedTicket(
                    Fields.text(data, "session_id"),
                    Fields.text(data, "session_status"),
                    Fields.text(data, "app"),
                    Fields.text(data, "pipeline"),
                    Fields.text(data, "request_id"),
                    Fields.text(data, "orch_address"),
                    Fields.text(data, "orch_url"),
                    Fields.text(data, "manifest_id"),
                    Fields.text(data, "pm_session_id"),
                    currentTime,
                    previousTime,
                    Fields.wholeNumber(data, "session_balance"),
                    fee,
                    cost,
                    billableSecs,
                    pixels,
                    orZero(Fields.wholeNumber(data, "sequence_number")),
                    orZero(Fields.wholeNumber(data, "num_tickets")),
                    Fields.text(data, "auth_id"),
                    Fields.text(data, "model_id"),
                    Fields.text(data, "client_id"),
                    Fields.text(data, "usage_subject"),
                    Fields.text(data, "usage_subject_type"),
                    Fields.plainDecimalString(data, "computed_fee_usd"),
                    Fields.address(data, "payer_address"));
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(e.getMessage(), envelope.id());
        }
    }

    private static Instant time(JsonNode data, String rfc3339Field, String unixMillisField) {
        String text = Fields.text(data, rfc3339Field);
        if (text != null && !text.isBlank()) {
            try {
                return OffsetDateTime.parse(text.trim()).toInstant();
            } catch (DateTimeException e) {
                throw new IllegalArgumentException(rfc3339Field + " is not an RFC 3339 time: " + Fields.clip(text));
            }
        }
        return Fields.epochMillis(data, unixMillisField);
    }

    private static BigDecimal orZero(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }

    private static BigInteger orZero(BigInteger value) {
        return value == null ? BigInteger.ZERO : value;
    }
}
