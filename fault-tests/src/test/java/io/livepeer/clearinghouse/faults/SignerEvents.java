package io.livepeer.clearinghouse.faults;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Valid go-livepeer {@code create_signed_ticket} envelopes (the shape of {@code samples/signer-events.jsonl}, line 2),
 * stamped with the current time so that no age or skew gate refuses them, each with a fresh UUID as its id.
 */
final class SignerEvents {

    /** Customers the events are spread over (ledger accounts touched per batch). */
    private static final int CUSTOMERS = 20;

    private SignerEvents() {}

    /** A new event id. */
    static String newId() {
        return UUID.randomUUID().toString();
    }

    /** The Kafka record value of one valid event with this id; {@code sequence} only varies the customer. */
    static String json(String id, int sequence) {
        Instant now = Instant.now();
        long ms = now.toEpochMilli();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String session = String.format("%08x", random.nextInt());
        return "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"" + ms + "\",\"gateway\":\"\","
                + "\"data\":{\"app\":\"live-video-to-video/scope\",\"auth_id\":\"fault-client:user-"
                + (sequence % CUSTOMERS) + "\",\"billable_secs\":12.0041,\"computed_fee\":\""
                + (284436000000L + sequence)
                + "\",\"cost\":\"857.1428571429\",\"current_time\":\"" + now + "\",\"current_time_unix\":" + ms
                + ",\"manifest_id\":\"fault-manifest\",\"num_tickets\":1,"
                + "\"orch_address\":\"0x1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5\","
                + "\"orch_url\":\"https://orch-1.example.net:8935\",\"pipeline\":\"live-video-to-video\","
                + "\"pixels\":331776000,\"pm_session_id\":\"0x5f3c8a9d\",\"previous_time\":\"" + now.minusSeconds(12)
                + "\",\"previous_time_unix\":" + (ms - 12_000) + ",\"request_id\":\""
                + String.format("%08x", random.nextInt())
                + "\",\"sequence_number\":" + sequence + ",\"session_balance\":\"12345000000\",\"session_id\":\""
                + session + "\",\"session_status\":\"continuing\"}}";
    }
}
