package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/** The hand-written bindings use the selectors and event topics of the real TicketBroker ABI. */
class TicketBrokerAbiTest {

    private static final String SENDER = "0x" + "ab".repeat(20);

    private static SignedTicket ticket() {
        return new TicketSigner(PayoutKey.ofHex("0x" + "11".repeat(32), "test"), new SecureRandom())
                .alwaysWinning("0x" + "22".repeat(20), BigInteger.TEN, BigInteger.ONE, new byte[32]);
    }

    private static Map<String, Function> bindings() {
        return Map.of(
                "0xec8b3cb6", TicketBroker.redeemWinningTicket(ticket()),
                "0xd01b808e", TicketBroker.batchRedeemWinningTickets(List.of(ticket(), ticket())),
                "0x6caa736b", TicketBroker.fundDeposit(),
                "0x989f789c", TicketBroker.fundDepositAndReserveFor(SENDER, BigInteger.ONE, BigInteger.TWO),
                "0xe1a589da", TicketBroker.getSenderInfo(SENDER),
                "0xb03fa864", TicketBroker.getTicketHash(ticket().ticket()),
                "0x59a515ba", TicketBroker.usedTickets(new byte[32]),
                "0xf77c4791", TicketBroker.controller(),
                "0x856a2cf8", TicketBroker.ticketValidityPeriod());
    }

    @Test
    void every_binding_encodes_the_documented_selector() {
        bindings()
                .forEach((selector, function) -> assertThat(
                                TicketBroker.encode(function).substring(0, 10))
                        .as(function.getName())
                        .isEqualTo(selector));
    }

    @Test
    void event_topics_are_the_documented_ones() {
        assertThat(TicketBrokerEvents.WINNING_TICKET_REDEEMED_TOPIC)
                .isEqualTo("0xc389eb51ed006dbf2528507f010efdf5225ea596e1e1741d74f550dab1925ee7");
        assertThat(TicketBrokerEvents.WINNING_TICKET_TRANSFER_TOPIC)
                .isEqualTo("0x8b87351a208c06e3ceee59d80725fd77a23b4129e1b51ca231fc89b40712649c");
        assertThat(TicketBrokerEvents.DEPOSIT_FUNDED_TOPIC)
                .isEqualTo("0x5159e237d952190e68d5215430f305831be7c9c8776d1377c76679ae4773413f");
    }

    @Test
    void selectors_and_topics_match_the_saved_abi_when_it_is_present() throws Exception {
        Path dir = SharedContracts.require();
        JsonNode abi = new ObjectMapper().readTree(SharedContracts.read(dir, "TicketBroker.abi.json"));
        List<String> functionSelectors = new ArrayList<>();
        List<String> eventTopics = new ArrayList<>();
        for (JsonNode entry : abi) {
            if (!entry.has("name")) {
                continue;
            }
            String signature = entry.get("name").asText() + "(" + types(entry.get("inputs")) + ")";
            String hash = Numeric.toHexString(Hash.sha3(signature.getBytes(StandardCharsets.UTF_8)));
            if ("function".equals(entry.get("type").asText())) {
                functionSelectors.add(hash.substring(0, 10));
            } else if ("event".equals(entry.get("type").asText())) {
                eventTopics.add(hash);
            }
        }
        bindings()
                .forEach((selector, function) -> assertThat(functionSelectors)
                        .as(function.getName())
                        .contains(FunctionEncoder.encode(function).substring(0, 10)));
        assertThat(eventTopics)
                .contains(
                        TicketBrokerEvents.WINNING_TICKET_REDEEMED_TOPIC,
                        TicketBrokerEvents.WINNING_TICKET_TRANSFER_TOPIC,
                        TicketBrokerEvents.DEPOSIT_FUNDED_TOPIC,
                        TicketBrokerEvents.RESERVE_FUNDED_TOPIC);
    }

    private static String types(JsonNode inputs) {
        List<String> out = new ArrayList<>();
        for (JsonNode input : inputs) {
            out.add(type(input));
        }
        return String.join(",", out);
    }

    private static String type(JsonNode param) {
        String type = param.get("type").asText();
        if (type.startsWith("tuple")) {
            List<String> parts = new ArrayList<>();
            for (JsonNode component : param.get("components")) {
                parts.add(type(component));
            }
            return "(" + String.join(",", parts) + ")" + type.substring("tuple".length());
        }
        return type;
    }
}
