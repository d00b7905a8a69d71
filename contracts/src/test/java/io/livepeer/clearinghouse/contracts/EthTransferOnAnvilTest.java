package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** EIP-1559 ETH transfers on anvil (chain id 42161); needs no contract data, so always runs. */
@ExtendWith(AnvilExtension.class)
class EthTransferOnAnvilTest {

    private static final BigInteger AMOUNT = BigInteger.TEN.pow(15);

    @Test
    void a_signed_transfer_pays_the_recipient_exactly_once_even_when_broadcast_twice(Anvil anvil) {
        try (Chain chain = LivepeerTestChain.connect(anvil)) {
            PayoutKey key = LivepeerTestChain.devKey(6);
            String recipient = "0x" + "5a".repeat(20);
            BigInteger before = chain.balance(recipient);
            SignedTransaction tx = chain.sign(
                    key,
                    chain.pendingNonce(key.address()),
                    recipient,
                    AMOUNT,
                    "0x",
                    BigInteger.valueOf(21_000),
                    chain.suggestFees());

            String hash = chain.broadcast(tx);
            TransactionReceipt receipt = chain.awaitReceipt(hash, Duration.ofSeconds(10));
            assertThat(chain.broadcast(tx))
                    .as("re-broadcast after mining is accepted")
                    .isEqualTo(tx.hash());

            assertThat(hash).isEqualTo(tx.hash());
            assertThat(receipt.isStatusOK()).isTrue();
            assertThat(receipt.getTransactionHash()).isEqualTo(tx.hash());
            assertThat(chain.balance(recipient)).isEqualTo(before.add(AMOUNT));
        }
    }

    @Test
    void a_pending_transfer_broadcast_again_is_the_same_transaction(Anvil anvil) {
        try (Chain chain = LivepeerTestChain.connect(anvil)) {
            PayoutKey key = LivepeerTestChain.devKey(7);
            String recipient = "0x" + "5b".repeat(20);
            anvil.automine(false);
            try {
                SignedTransaction tx = chain.sign(
                        key,
                        chain.pendingNonce(key.address()),
                        recipient,
                        AMOUNT,
                        "0x",
                        BigInteger.valueOf(21_000),
                        chain.suggestFees());
                chain.broadcast(tx);
                assertThat(chain.broadcast(tx)).isEqualTo(tx.hash());
                assertThat(chain.receipt(tx.hash())).isEmpty();
                anvil.mine(1);
                assertThat(chain.receipt(tx.hash()))
                        .hasValueSatisfying(r -> assertThat(r.isStatusOK()).isTrue());
            } finally {
                anvil.automine(true);
            }
            assertThat(chain.balance(recipient)).isEqualTo(AMOUNT);
        }
    }

    @Test
    void a_chain_id_mismatch_is_refused_when_connecting(Anvil anvil) {
        assertThatThrownBy(() -> Chain.connect(anvil.rpcUrl(), 1, Duration.ofMillis(50)))
                .isInstanceOf(ChainException.class)
                .hasMessageContaining("42161");
    }

    @Test
    void a_transfer_beyond_the_balance_is_refused_with_the_nodes_reason(Anvil anvil) {
        try (Chain chain = LivepeerTestChain.connect(anvil)) {
            PayoutKey empty = PayoutKey.ofHex("0x" + "42".repeat(32), "empty test key");
            SignedTransaction tx = chain.sign(
                    empty,
                    BigInteger.ZERO,
                    Anvil.DEV_ADDRESSES.get(0),
                    AMOUNT,
                    "0x",
                    BigInteger.valueOf(21_000),
                    chain.suggestFees());
            assertThatThrownBy(() -> chain.broadcast(tx))
                    .isInstanceOf(ChainException.class)
                    .hasMessageContaining(tx.hash());
        }
    }
}
