package io.livepeer.clearinghouse.processors.event;

/**
 * A signer event that cannot be metered. The message is the reason kept with the dead letter; it never contains
 * anything but field names and the offending (short, truncated) value.
 */
public class InvalidEventException extends Exception {

    private final String eventId;

    /**
     * @param reason  human-readable reason, e.g. {@code "computed_fee is negative: -5"}
     * @param eventId the envelope id when it was readable, else {@code null}
     */
    public InvalidEventException(String reason, String eventId) {
        super(reason);
        this.eventId = eventId;
    }

    /** The envelope id when it was readable, else {@code null}. */
    public String eventId() {
        return eventId;
    }
}
