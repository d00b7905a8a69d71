package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.event.InvalidEventException;
import io.livepeer.clearinghouse.processors.event.SignedTicket;
import io.livepeer.clearinghouse.processors.event.SignerEnvelope;
import io.livepeer.clearinghouse.processors.event.SignerEventParser;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SignerEventParserTest {

    /** The constructed first lv2v call of the research notes, exactly as go-livepeer v0.9.1 marshals it. */
    static final String LV2V = """
            {"id":"6f1c2a7e-8a0b-4a53-9a53-2f0e3b7d9c11","type":"create_signed_ticket","timestamp":"1787220000123",\
            "gateway":"","data":{"app":"live-video-to-video/scope","auth_id":"demo-client:demo-user",\
            "billable_secs":60,"computed_fee":"1421897143","cost":"0.8571428571",\
            "current_time":"2026-08-20T10:00:00.123456789Z","current_time_unix":1787220000123,\
            "manifest_id":"lv2v-manifest","num_tickets":2,"orch_address":"0xAbC0000000000000000000000000000000000001",\
            "orch_url":"https://orch.example:8935","pipeline":"live-video-to-video","pixels":1658880000,\
            "pm_session_id":"0x5f","previous_time":"2026-08-20T10:00:00.123456789Z",\
            "previous_time_unix":1787220000123,"request_id":"a1b2c3d4","sequence_number":0,\
            "session_balance":"12345","session_id":"9f8e7d6c","session_status":"new"}}""";

    static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    static SignedTicket ticket(String json) throws InvalidEventException {
        return SignerEventParser.parseTicket(SignerEventParser.parseEnvelope(bytes(json)));
    }

    @Test
    void reads_a_go_livepeer_envelope_and_its_signed_ticket() throws Exception {
        SignerEnvelope envelope = SignerEventParser.parseEnvelope(bytes(LV2V));
        assertThat(envelope.id()).isEqualTo("6f1c2a7e-8a0b-4a53-9a53-2f0e3b7d9c11");
        assertThat(envelope.isSignedTicket()).isTrue();
        assertThat(envelope.timestamp()).isEqualTo(Instant.ofEpochMilli(1787220000123L));
        assertThat(envelope.gateway()).isEmpty();

        SignedTicket ticket = SignerEventParser.parseTicket(envelope);
        assertThat(ticket.computedFeeWei()).isEqualTo(new BigInteger("1421897143"));
        assertThat(ticket.cost()).isEqualByComparingTo("0.8571428571");
        assertThat(ticket.pixels()).isEqualTo(BigInteger.valueOf(1658880000L));
        assertThat(ticket.billableSecs()).isEqualByComparingTo("60");
        assertThat(ticket.currentTime()).isEqualTo(Instant.parse("2026-08-20T10:00:00.123456789Z"));
        assertThat(ticket.pipeline()).isEqualTo("live-video-to-video");
        assertThat(ticket.authId()).isEqualTo("demo-client:demo-user");
        assertThat(ticket.sessionBalanceWei()).isEqualTo(BigInteger.valueOf(12345));
        assertThat(ticket.modelId()).isNull();
    }

    @Test
    void accepts_an_envelope_without_id_or_timestamp_like_the_readme_smoke_test() throws Exception {
        String smoke = "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"demo-client:demo-user\","
                + "\"computed_fee\":\"1000000000000000\",\"request_id\":\"clearinghouse-smoketest\","
                + "\"pipeline\":\"live-video-to-video\",\"pixels\":\"1000\"}}";
        SignerEnvelope envelope = SignerEventParser.parseEnvelope(bytes(smoke));
        assertThat(envelope.id()).isNull();
        assertThat(envelope.timestamp()).isNull();
        assertThat(SignerEventParser.parseTicket(envelope).pixels()).isEqualTo(BigInteger.valueOf(1000));
    }

    @Test
    void a_fee_above_2_pow_53_survives_exactly_as_string_and_as_number() throws Exception {
        String huge = "123456789012345678901"; // > 2^53 and > 2^64
        assertThat(ticket("{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"" + huge + "\"}}")
                        .computedFeeWei())
                .isEqualTo(new BigInteger(huge));
        assertThat(ticket("{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":" + huge + "}}")
                        .computedFeeWei())
                .isEqualTo(new BigInteger(huge));
        // 2^53 + 1 is the first integer a double cannot hold
        assertThat(ticket("{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":9007199254740993}}")
                        .computedFeeWei())
                .isEqualTo(new BigInteger("9007199254740993"));
    }

    @Test
    void numbers_are_accepted_as_strings_and_strings_as_numbers() throws Exception {
        SignedTicket ticket = ticket("{\"type\":\"create_signed_ticket\",\"timestamp\":1787220000123,"
                + "\"data\":{\"computed_fee\":42,\"billable_secs\":\"1.5\",\"pixels\":\"1000\","
                + "\"sequence_number\":\"7\",\"request_id\":12345678,\"current_time_unix\":\"1787220000000\"}}");
        assertThat(ticket.computedFeeWei()).isEqualTo(BigInteger.valueOf(42));
        assertThat(ticket.billableSecs()).isEqualByComparingTo("1.5");
        assertThat(ticket.pixels()).isEqualTo(BigInteger.valueOf(1000));
        assertThat(ticket.sequenceNumber()).isEqualTo(BigInteger.valueOf(7));
        assertThat(ticket.requestId()).isEqualTo("12345678");
        assertThat(ticket.currentTime()).isEqualTo(Instant.ofEpochMilli(1787220000000L));
    }

    @Test
    void reads_cost_and_the_older_cost_per_pixel() throws Exception {
        assertThat(ticket("{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"1\",\"cost\":\"0.5\"}}")
                        .cost())
                .isEqualTo(new BigDecimal("0.5"));
        assertThat(ticket("{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"1\","
                                + "\"cost_per_pixel\":\"0.8571428571\"}}")
                        .cost())
                .isEqualTo(new BigDecimal("0.8571428571"));
    }

    @Test
    void another_event_type_is_recognised_before_its_array_data_is_read() throws Exception {
        SignerEnvelope envelope = SignerEventParser.parseEnvelope(bytes(
                "{\"id\":\"x\",\"type\":\"discovery_results\",\"timestamp\":\"1\",\"data\":[{\"address\":\"a\"}]}"));
        assertThat(envelope.isSignedTicket()).isFalse();
        assertThat(envelope.type()).isEqualTo("discovery_results");
    }

    @Test
    void bad_input_is_refused_with_a_reason_naming_the_field() {
        assertReason("not json at all", "not JSON");
        assertReason("[1,2,3]", "envelope is not a JSON object");
        assertReason("{\"data\":{}}", "envelope has no type");
        assertReason("{\"type\":\"create_signed_ticket\",\"data\":[1]}", "data is not an object but array");
        assertReason("{\"type\":\"create_signed_ticket\"}", "create_signed_ticket has no data");
        assertReason("{\"type\":\"create_signed_ticket\",\"data\":{}}", "computed_fee is missing");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"-5\"}}",
                "computed_fee is negative: -5");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"lots\"}}",
                "computed_fee is not a number: lots");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"1.5\"}}",
                "computed_fee is not a whole number: 1.5");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":{\"a\":1}}}",
                "computed_fee must be a number, not object");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"1\",\"pixels\":-1}}",
                "pixels is negative");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"1\",\"current_time\":\"noon\"}}",
                "current_time is not an RFC 3339 time: noon");
        assertReason(
                "{\"type\":\"create_signed_ticket\",\"timestamp\":\"soon\",\"data\":{}}",
                "timestamp is not a number: soon");
    }

    @Test
    void a_rejected_event_keeps_its_envelope_id() {
        assertThatThrownBy(() -> ticket("{\"id\":\"abc\",\"type\":\"create_signed_ticket\",\"data\":{}}"))
                .isInstanceOfSatisfying(
                        InvalidEventException.class,
                        e -> assertThat(e.eventId()).isEqualTo("abc"));
    }

    @Test
    void an_envelope_id_or_type_of_the_wrong_kind_is_bad_input_not_an_internal_error() {
        // an IllegalArgumentException escaping the parser became "internal error" with a stack trace per record
        assertReason("{\"id\":{\"x\":1},\"type\":\"create_signed_ticket\",\"data\":{}}", "id must be a string");
        assertReason("{\"id\":\"abc\",\"type\":[\"create_signed_ticket\"],\"data\":{}}", "type must be a string");
    }

    @Test
    void a_record_larger_than_the_document_limit_is_refused_before_it_is_parsed() {
        String big = "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\""
                + "a".repeat(io.livepeer.clearinghouse.processors.json.Json.MAX_DOCUMENT_CHARS) + "\"}}";
        assertReason(big, "larger than");
    }

    private static void assertReason(String json, String reason) {
        assertThatThrownBy(() -> ticket(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining(reason);
    }
}
