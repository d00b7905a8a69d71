package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared same-nonce steps on anvil (always runs): a stuck transfer is replaced under the cap and never above it,
 * the replacement is the one mined, and a mined attempt counts only with its confirmations in a canonical block.
 */
@ExtendWith(AnvilExtension.class)
class SameNonceOnAnvilTest {

    private static final BigInteger AMOUNT = BigInteger.TEN.pow(15);

    @Test
    void a_stuck_transfer_is_replaced_under_the_cap_and_whichever_attempt_is_mined_settles(Anvil anvil) {
        try (Chain chain = LivepeerTestChain.connect(anvil)) {
            PayoutKey key = LivepeerTestChain.freshKey(chain, BigInteger.TEN.pow(18));
            String recipient = "0x" + "5c".repeat(20);
            anvil.automine(false);
            try {
                Fees market = chain.suggestFees();
                SignedTransaction original =
                        chain.sign(key, BigInteger.ZERO, recipient, AMOUNT, "0x", BigInteger.valueOf(21_000), market);
                chain.broadcast(original);
                assertThat(SameNonce.standing(chain, List.of(original.hash()), 1))
                        .isInstanceOf(SameNonce.NoneMined.class);

                SameNonce.Replacement capped =
                        SameNonce.replacement(chain, key, original.raw(), 12, market.maxFeePerGas());
                assertThat(capped.transaction())
                        .as("above the cap nothing is signed")
                        .isEmpty();
                assertThat(capped.wanted().maxFeePerGas()).isGreaterThan(market.maxFeePerGas());

                SameNonce.Replacement r = SameNonce.replacement(
                        chain, key, original.raw(), 12, market.maxFeePerGas().multiply(BigInteger.TWO));
                SignedTransaction replacement = r.transaction().orElseThrow();
                assertThat(replacement.nonce()).isZero();
                assertThat(replacement.fees()).isEqualTo(r.wanted());
                assertThat(r.wanted().maxFeePerGas())
                        .isGreaterThanOrEqualTo(market.bump(12).maxFeePerGas());
                chain.broadcast(replacement);
                anvil.mine(1);

                List<String> attempts = List.of(original.hash(), replacement.hash());
                assertThat(SameNonce.standing(chain, attempts, 1))
                        .isInstanceOfSatisfying(SameNonce.Settled.class, s -> {
                            assertThat(s.txHash()).isEqualTo(replacement.hash());
                            assertThat(s.succeeded()).isTrue();
                        });
                assertThat(SameNonce.standing(chain, attempts, 3))
                        .as("not deep enough yet")
                        .isInstanceOfSatisfying(
                                SameNonce.Unsettled.class,
                                u -> assertThat(u.reorged()).isFalse());
                anvil.mine(2);
                assertThat(SameNonce.standing(chain, attempts, 3)).isInstanceOf(SameNonce.Settled.class);
            } finally {
                anvil.automine(true);
            }
            assertThat(chain.balance(recipient)).as("paid once").isEqualTo(AMOUNT);
        }
    }

    @Test
    void an_attempt_whose_block_was_reorged_away_is_no_longer_mined_until_it_is_mined_again(Anvil anvil) {
        try (Chain chain = LivepeerTestChain.connect(anvil)) {
            PayoutKey key = LivepeerTestChain.freshKey(chain, BigInteger.TEN.pow(18));
            SignedTransaction tx = chain.sign(
                    key,
                    BigInteger.ZERO,
                    "0x" + "5d".repeat(20),
                    AMOUNT,
                    "0x",
                    BigInteger.valueOf(21_000),
                    chain.suggestFees());
            String snapshot = anvil.snapshot();
            chain.awaitReceipt(chain.broadcast(tx), java.time.Duration.ofSeconds(10));
            assertThat(SameNonce.standing(chain, List.of(tx.hash()), 1)).isInstanceOf(SameNonce.Settled.class);

            anvil.revert(snapshot); // the block with it is gone

            assertThat(SameNonce.standing(chain, List.of(tx.hash()), 1)).isInstanceOf(SameNonce.NoneMined.class);
            chain.awaitReceipt(chain.broadcast(tx), java.time.Duration.ofSeconds(10));
            assertThat(SameNonce.standing(chain, List.of(tx.hash()), 1))
                    .isInstanceOfSatisfying(
                            SameNonce.Settled.class, s -> assertThat(s.txHash()).isEqualTo(tx.hash()));
        }
    }
}
