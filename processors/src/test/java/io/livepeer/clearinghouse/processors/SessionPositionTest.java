package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.processors.event.SignerEnvelope;
import io.livepeer.clearinghouse.processors.event.SignerEventParser;
import io.livepeer.clearinghouse.processors.metering.SessionPosition;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The session position used for gap and fork detection, read from the signer's fields (signer-clearinghouse §3.4). */
class SessionPositionTest {

    private static SessionPosition position(String gateway, String extraData) throws Exception {
        String json = "{\"id\":\"6f1c2a7e-8a0b-4a53-9a53-2f0e3b7d9c11\",\"type\":\"create_signed_ticket\","
                + "\"timestamp\":\"1787220000123\",\"gateway\":\"" + gateway + "\",\"data\":{\"auth_id\":\"c:u\","
                + "\"computed_fee\":\"1421897143\",\"num_tickets\":2" + extraData + "}}";
        SignerEnvelope envelope = SignerEventParser.parseEnvelope(json.getBytes(StandardCharsets.UTF_8));
        return SessionPosition.of(envelope, SignerEventParser.parseTicket(envelope));
    }

    @Test
    void the_payer_address_names_the_signer_when_present() throws Exception {
        assertThat(
                        position(
                                "gw",
                                ",\"session_id\":\"9f8e7d6c\",\"sequence_number\":3,\"payer_address\":\"0xAbCdEf0123456789aBcDeF0123456789AbCdEf01\""))
                .isEqualTo(new SessionPosition("0xabcdef0123456789abcdef0123456789abcdef01", "9f8e7d6c", 3L, 2));
    }

    @Test
    void without_a_payer_address_the_gateway_names_the_signer() throws Exception {
        assertThat(position("", ",\"session_id\":\"9f8e7d6c\",\"sequence_number\":0,\"payer_address\":null"))
                .isEqualTo(new SessionPosition("", "9f8e7d6c", 0L, 2));
        assertThat(position("gw-1", ",\"session_id\":\"9f8e7d6c\",\"sequence_number\":7")
                        .signer())
                .isEqualTo("gw-1");
    }

    @Test
    void an_event_without_a_session_is_not_sequenced() throws Exception {
        assertThat(position("gw", ",\"sequence_number\":4")).isEqualTo(new SessionPosition("gw", null, null, 2));
        // the parser reads an absent sequence_number as 0; that must not make every such event "sequence 0"
        assertThat(position("gw", ",\"session_id\":\"9f8e7d6c\"")).isEqualTo(new SessionPosition("gw", null, null, 2));
        assertThat(position("gw", ",\"session_id\":\"s\",\"sequence_number\":18446744073709551615"))
                .isEqualTo(new SessionPosition("gw", null, null, 2));
    }
}
