package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/** A stored signed transaction is read back and re-signed as a same-nonce replacement, offline. */
class ResignTest {

    // anvil's second dev key: public knowledge, test use only
    private static final PayoutKey KEY =
            PayoutKey.ofHex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", "test key");
    private static final PayoutKey OTHER =
            PayoutKey.ofHex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", "other key");
    private static final String BROKER = "0xa8bb618b1520e284046f3dfc448851a1ff26e41b";

    private final Chain chain = new Chain(Web3j.build(new HttpService("http://127.0.0.1:9")), 42161, Duration.ZERO);

    @AfterEach
    void close() {
        chain.close();
    }

    @Test
    void a_replacement_keeps_nonce_recipient_value_calldata_and_gas_and_takes_the_new_fees() {
        String data = TicketBroker.encode(TicketBroker.fundDeposit());
        Fees fees = new Fees(BigInteger.valueOf(1_000_000), BigInteger.valueOf(20_000_000));
        SignedTransaction original = chain.sign(
                KEY, BigInteger.valueOf(7), BROKER, BigInteger.TEN.pow(16), data, BigInteger.valueOf(90_000), fees);

        assertThat(Chain.decode(original.raw())).isEqualTo(original);

        Fees bumped = fees.bump(12);
        SignedTransaction replacement = chain.resign(KEY, original.raw(), bumped);
        assertThat(replacement.hash()).isNotEqualTo(original.hash());
        assertThat(replacement.nonce()).isEqualTo(7);
        assertThat(replacement.to()).isEqualTo(BROKER);
        assertThat(replacement.from()).isEqualTo(KEY.address());
        assertThat(replacement.value()).isEqualTo(BigInteger.TEN.pow(16));
        assertThat(replacement.gasLimit()).isEqualTo(90_000);
        assertThat(replacement.fees()).isEqualTo(bumped);
        assertThat(Chain.decode(replacement.raw())).isEqualTo(replacement);
        // the calldata is kept: re-signing the replacement with the original fees gives back the original bytes
        assertThat(chain.resign(KEY, replacement.raw(), fees).raw()).isEqualTo(original.raw());
    }

    @Test
    void a_plain_transfer_is_replaced_as_a_plain_transfer() {
        Fees fees = new Fees(BigInteger.ONE, BigInteger.TEN);
        SignedTransaction original =
                chain.sign(KEY, BigInteger.ZERO, BROKER, BigInteger.ONE, "0x", BigInteger.valueOf(21_000), fees);

        SignedTransaction replacement = chain.resign(KEY, original.raw(), fees.bump(10));

        assertThat(chain.resign(KEY, replacement.raw(), fees).raw()).isEqualTo(original.raw());
    }

    @Test
    void another_keys_or_another_chains_transaction_or_garbage_is_refused() {
        Fees fees = new Fees(BigInteger.ONE, BigInteger.TEN);
        SignedTransaction original =
                chain.sign(KEY, BigInteger.ZERO, BROKER, BigInteger.ONE, "0x", BigInteger.valueOf(21_000), fees);
        try (Chain mainnet = new Chain(Web3j.build(new HttpService("http://127.0.0.1:9")), 1, Duration.ZERO)) {
            assertThatThrownBy(() -> mainnet.resign(KEY, original.raw(), fees))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("chain 42161");
        }
        assertThatThrownBy(() -> chain.resign(OTHER, original.raw(), fees))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not by the key");
        assertThatThrownBy(() -> Chain.decode("0x02c0ffee")).isInstanceOf(IllegalArgumentException.class);
    }
}
