package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Ticket hashing, signing and the win check against go-livepeer's vectors ({@code pm/ticket_test.go TestHash},
 * {@code eth/helpers_test.go}, {@code eth/backend_test.go}) and the synthetic always-winning vector of
 * reference/ops-backend-and-payouts.md §3.4.
 */
class TicketVectorsTest {

    private static final String ZERO = "0x0000000000000000000000000000000000000000";
    private static final String RAND_HASH = "41b1a0649752af1b28b3dc29a1556eee781e4a4c3a1f7f53f90fa834de098c4d";

    @ParameterizedTest(name = "go-livepeer TestHash vector {0}")
    @CsvSource({
        "1, 0x0000000000000000000000000000000000000000, 0, 0, 4294967295, , 0, e1393fc7f6de093780674022f96cb8e3872235167d037c04d554e58c0e63d280",
        "2, 0x0000000000000000000000000000000000000000, 0, 0, 1, , 0, ce0918ba94518293e9712effbe5fca4f1f431089833a5b8c257cb1e024595f68",
        "3, 0x0000000000000000000000000000000000000000, 1, 500, 0, , 0, 87ef13f2d37e4d5352a01d3c77b8179d80e0887f1953bfabfd0bfd7b0f689ddd",
        "4, 0x0000000000000000000000000000000000000000, 500, 1, 0, , 0, aa4b35071043587992ac8b9dd1b2cf1d8311130e6458cf0b2342484e21af5f5b",
        "5, 0x73AEd7b5dEb30222fa896f399d46cC99c7BEe57F, 0, 0, 0, , 0, 81e353ae39046e2b77b9f996abbaeed527fda559b61ef90f299c4499dd508ccc",
        "6, 0x0000000000000000000000000000000000000000, 0, 0, 0, " + RAND_HASH
                + ", 0, be5eaf9a49a39540b9bb02f1a21904f61324a29819e2c032824bfaa10c100b17",
        "7, 0x0000000000000000000000000000000000000000, 0, 0, 0, , 10, e502907c16036ab3d11b78c5a2e93c20f3d6415c67f91de4ed01348182b3b2e2",
    })
    void ticket_hashes_match_go_livepeer(
            int vector,
            String recipient,
            long faceValue,
            long winProb,
            long senderNonce,
            String recipientRandHash,
            long creationRound,
            String expected) {
        byte[] rrh = recipientRandHash == null ? new byte[32] : Numeric.hexStringToByteArray(recipientRandHash);
        byte[] aux = creationRound == 0
                ? Ticket.auxData(BigInteger.ZERO, new byte[32])
                : Ticket.auxData(BigInteger.valueOf(creationRound), Numeric.hexStringToByteArray(RAND_HASH));
        Ticket ticket = new Ticket(
                recipient,
                ZERO,
                BigInteger.valueOf(faceValue),
                BigInteger.valueOf(winProb),
                BigInteger.valueOf(senderNonce),
                rrh,
                aux);
        assertThat(Numeric.toHexStringNoPrefix(ticket.hash()))
                .as("vector %d", vector)
                .isEqualTo(expected);
    }

    @Test
    void aux_data_is_round_then_block_hash_and_empty_only_for_round_zero_with_zero_hash() {
        byte[] hash = Numeric.hexStringToByteArray(RAND_HASH);
        assertThat(Ticket.auxData(BigInteger.valueOf(5), hash)).hasSize(64).endsWith(hash);
        assertThat(Ticket.auxData(BigInteger.valueOf(5), hash)[31]).isEqualTo((byte) 5);
        assertThat(Ticket.auxData(BigInteger.ZERO, hash)).hasSize(64);
        assertThat(Ticket.auxData(BigInteger.valueOf(5), new byte[32])).hasSize(64);
        assertThat(Ticket.auxData(BigInteger.ZERO, new byte[32])).isEmpty();
    }

    @Test
    void a_real_signed_redeem_from_go_livepeer_hashes_recovers_to_its_sender_and_wins() {
        // eth/helpers_test.go TestDecodeTxParams "Redeem winning ticket (tuple test)" (§3.3 A)
        BigInteger rand =
                new BigInteger("31838803992704255588716800748284438047369588248489535212488229909862636233406");
        Ticket ticket = new Ticket(
                "0xa5E37e0BA14655e92DEff29F32adbc7D09b8a2cF",
                "0x3eE860A4abA830AF84EbBCE2b381fc11DB8493e2",
                new BigInteger("10000000000000000"),
                new BigInteger("11579208923731619542357098500868790785326998466564056403945759000000000000"),
                BigInteger.valueOf(14),
                Numeric.hexStringToByteArray("5309662eee5608da45aaefe60433adec052acab8683dd12d78aad8a0192b3bec"),
                Ticket.auxData(
                        BigInteger.valueOf(1619),
                        Numeric.hexStringToByteArray(
                                "f3b1d2925fd1325a8a6ba8923fbe6de31dd93d9e85540eaf5a306f21177c3b8c")));
        byte[] sig = Numeric.hexStringToByteArray("90cb8a9280386cc77e9f3473bb87530cf9a1dbe5625013a9ed16675ad7607c80"
                + "0bf4e32ee4cc6b9c785e1c786c9965831a8216c408b251f98d6c18bf1bf4d1621c");

        assertThat(Numeric.toHexStringNoPrefix(ticket.hash()))
                .isEqualTo("d5104bbecf755deaa03acf83486f2414d749f5e9d98b9feb9a0ad3791413f7e4");
        assertThat(Numeric.toHexStringNoPrefix(Sign.getEthereumMessageHash(ticket.hash())))
                .isEqualTo("4406fa3f04b4d1c6714da4b770db883f87c1b84dba27ffc87b47c14cb3eb18c3");
        assertThat(recover(ticket.hash(), sig)).isEqualTo(ticket.sender());
        SignedTicket signed = new SignedTicket(ticket, sig, rand);
        assertThat(signed.isWinning()).isTrue();
    }

    @Test
    void a_real_mined_redeem_from_go_livepeer_hashes_recovers_and_wins() {
        // eth/backend_test.go TestNewTxLog (§3.3 B)
        Ticket ticket = new Ticket(
                "0x9C10672CEE058Fd658103d90872fE431bb6C0AFa",
                "0x3eE860A4abA830AF84EbBCE2b381fc11DB8493e2",
                new BigInteger("24703611594215916"),
                new BigInteger("4687253472865791949219216447262131914283161967982656133076290000000000000000"),
                BigInteger.ONE,
                Numeric.hexStringToByteArray("d00ef48a6825d9ae93097ad55bc76057fb50afc203aa98fd4e01aa6576d71298"),
                Ticket.auxData(
                        BigInteger.valueOf(0x689),
                        Numeric.hexStringToByteArray(
                                "a9f81d59be53a90a12cb12f627aa9e87c505320bad20a98fd98d5ed23bfe9a54")));
        byte[] sig = Numeric.hexStringToByteArray("5ff5265992f1a6563851d085f363b16ad65416baaee090ee368b59082437df7a"
                + "0237214659511fc188d6a4ef57c988bb18faa3e99826c78e9e75eb29366745891b");
        BigInteger rand =
                new BigInteger("21160157592767011607011497540409649304524524744605816319294275445072062630355");

        assertThat(Numeric.toHexStringNoPrefix(ticket.hash()))
                .isEqualTo("63d432158a2a3a15bdb5a87712e5cf0d1655d018a615d2e8806346536c0154c0");
        assertThat(recover(ticket.hash(), sig)).isEqualTo(ticket.sender());
        assertThat(new SignedTicket(ticket, sig, rand).isWinning()).isTrue();
    }

    @Test
    void the_synthetic_always_winning_ticket_signs_and_encodes_byte_for_byte() {
        PayoutKey key = PayoutKey.ofHex("0x" + "11".repeat(32), "test vector");
        assertThat(key.address()).isEqualTo("0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a");
        BigInteger rand = BigInteger.valueOf(456);
        Ticket ticket = new Ticket(
                "0x" + "22".repeat(20),
                key.address(),
                BigInteger.TEN.pow(15),
                Ticket.MAX_WIN_PROB,
                BigInteger.ONE,
                Ticket.recipientRandHash(rand),
                Ticket.auxData(BigInteger.valueOf(123), Numeric.hexStringToByteArray("33".repeat(32))));

        assertThat(Numeric.toHexStringNoPrefix(ticket.recipientRandHash()))
                .isEqualTo("8cdee82cb3ac6d59f1f417405a3eecf497b31f3d06d4c506f96deb67789f61e9");
        assertThat(Numeric.toHexStringNoPrefix(ticket.auxData())).isEqualTo("0".repeat(62) + "7b" + "33".repeat(32));
        assertThat(Numeric.toHexStringNoPrefix(ticket.hash()))
                .isEqualTo("026d86edfd1fa6f63e736c7116a367caf45ea80ad8ed4a13f785eef131183359");
        assertThat(Numeric.toHexStringNoPrefix(Sign.getEthereumMessageHash(ticket.hash())))
                .isEqualTo("b98cbfa97d2e92e2faec441063fb5b28c20ef08d28d4cdff16486ea14d64893e");

        SignedTicket signed = new TicketSigner(key, new SecureRandom()).sign(ticket, rand);
        assertThat(Numeric.toHexStringNoPrefix(signed.signature()))
                .isEqualTo("7ceed249b3f2439b732a5f6def81619f6c699649cfa6e009de72bef733789ed3"
                        + "75d2eed2f7029caef8dff4798fd852e40056480e2197551455e764b508d8ef121c");
        assertThat(signed.isWinning()).isTrue();

        String calldata = TicketBroker.encode(TicketBroker.redeemWinningTicket(signed));
        assertThat(Numeric.hexStringToByteArray(calldata)).hasSize(548);
        assertThat(calldata)
                .startsWith("0xec8b3cb6"
                        + word("60") + word("1a0") + word("1c8")
                        + word("2222222222222222222222222222222222222222")
                        + word(key.address().substring(2))
                        + word("38d7ea4c68000") + "f".repeat(64) + word("1")
                        + "8cdee82cb3ac6d59f1f417405a3eecf497b31f3d06d4c506f96deb67789f61e9"
                        + word("e0") + word("40"))
                .contains(word("41") + "7ceed249b3f2439b");
    }

    @Test
    void the_signer_reproduces_a_documented_eip191_signature() {
        // viem signMessage docs: anvil account #0 signing "hello world"
        PayoutKey key = PayoutKey.ofHex(
                "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "anvil account 0");
        assertThat(Numeric.toHexString(
                        key.signPrefixed("hello world".getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .isEqualTo("0xa461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf1"
                        + "5fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b");
    }

    @Test
    void random_always_winning_tickets_recover_to_the_key_and_win() {
        PayoutKey key = PayoutKey.ofHex("0x" + "11".repeat(32), "test vector");
        TicketSigner signer = new TicketSigner(key, new SecureRandom());
        for (int i = 0; i < 20; i++) {
            SignedTicket signed = signer.alwaysWinning(
                    "0x" + "22".repeat(20), BigInteger.TEN.pow(15), BigInteger.valueOf(7), Hash.sha3(new byte[] {
                        (byte) i
                    }));
            assertThat(recover(signed.ticket().hash(), signed.signature())).isEqualTo(key.address());
            assertThat(signed.isWinning()).isTrue();
            byte v = signed.signature()[64];
            assertThat(v == 27 || v == 28).isTrue();
            // low s (OpenZeppelin ECDSA refuses high s)
            BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(signed.signature(), 32, 64));
            assertThat(s).isLessThanOrEqualTo(Sign.CURVE_PARAMS.getN().shiftRight(1));
        }
    }

    @Test
    void bad_shapes_are_refused_with_the_field_named() {
        assertThatThrownBy(() -> new Ticket(
                        "0x1234", ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE, new byte[32], new byte[0]))
                .hasMessageContaining("recipient");
        assertThatThrownBy(() -> new Ticket(
                        ZERO, ZERO, BigInteger.valueOf(-1), BigInteger.ONE, BigInteger.ONE, new byte[32], new byte[0]))
                .hasMessageContaining("faceValue");
        assertThatThrownBy(() -> new Ticket(
                        ZERO,
                        ZERO,
                        BigInteger.ONE,
                        Ticket.MAX_WIN_PROB.add(BigInteger.ONE),
                        BigInteger.ONE,
                        new byte[32],
                        new byte[0]))
                .hasMessageContaining("winProb");
        Ticket ticket = new Ticket(
                ZERO,
                ZERO,
                BigInteger.ONE,
                BigInteger.ONE,
                BigInteger.ONE,
                Ticket.recipientRandHash(BigInteger.TWO),
                new byte[0]);
        assertThatThrownBy(() -> new SignedTicket(ticket, new byte[65], BigInteger.ONE))
                .hasMessageContaining("recipientRand");
        assertThatThrownBy(() -> new SignedTicket(ticket, new byte[64], BigInteger.TWO))
                .hasMessageContaining("65 bytes");
    }

    @Test
    void expected_value_follows_go_livepeer() {
        Ticket half = new Ticket(
                ZERO,
                ZERO,
                BigInteger.valueOf(1000),
                Ticket.MAX_WIN_PROB.shiftRight(1),
                BigInteger.ZERO,
                new byte[32],
                new byte[0]);
        Ticket always = new Ticket(
                ZERO, ZERO, BigInteger.valueOf(1000), Ticket.MAX_WIN_PROB, BigInteger.ZERO, new byte[32], new byte[0]);
        Ticket never = new Ticket(
                ZERO, ZERO, BigInteger.valueOf(1000), BigInteger.ZERO, BigInteger.ZERO, new byte[32], new byte[0]);
        assertThat(half.expectedValue()).isEqualTo(499); // 1000 × (max/2)/max = 499.99…, rounded down
        assertThat(always.expectedValue()).isEqualTo(1000);
        assertThat(never.expectedValue()).isZero();
    }

    private static String recover(byte[] hash, byte[] sig) {
        Sign.SignatureData data = new Sign.SignatureData(
                sig[64], java.util.Arrays.copyOfRange(sig, 0, 32), java.util.Arrays.copyOfRange(sig, 32, 64));
        try {
            return "0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(hash, data));
        } catch (java.security.SignatureException e) {
            throw new AssertionError(e);
        }
    }

    private static String word(String hex) {
        return "0".repeat(64 - hex.length()) + hex;
    }
}
