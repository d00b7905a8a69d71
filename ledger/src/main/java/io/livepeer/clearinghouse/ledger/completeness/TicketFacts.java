package io.livepeer.clearinghouse.ledger.completeness;

/**
 * What completeness tracking needs to know of one metered event, beside its {@code OutboxEntry} (which gives the
 * event id, subject, fees and Kafka coordinates).
 *
 * @param contentHash    SHA-256 of the Kafka record value, 64 lower-case hex characters ({@link #sha256})
 * @param signer         payer_address (lower case) when the event has one, else the envelope's {@code gateway}
 *                       ({@code ""} when unset); never null
 * @param sessionId      {@code data.session_id}, or null: the event is then checked for id forks only
 * @param sequenceNumber {@code data.sequence_number}, or null when it has no session or does not fit a long
 * @param numTickets     {@code data.num_tickets}
 * @param kafkaKey       the record key (kept in a fork's dead letter), may be null
 * @param raw            the record value, byte for byte (kept in a fork's dead letter)
 */
public record TicketFacts(
        String contentHash,
        String signer,
        String sessionId,
        Long sequenceNumber,
        long numTickets,
        String kafkaKey,
        byte[] raw) {

    /** @return SHA-256 of {@code raw} ({@code null} = empty) as 64 lower-case hex characters */
    public static String sha256(byte[] raw) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(raw == null ? new byte[0] : raw));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JRE has SHA-256", e);
        }
    }

    /** Whether the event belongs to a payment session whose sequence numbers are tracked. */
    public boolean sequenced() {
        return sessionId != null && !sessionId.isEmpty() && sequenceNumber != null;
    }
}
