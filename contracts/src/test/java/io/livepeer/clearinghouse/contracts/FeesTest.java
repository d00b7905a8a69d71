package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class FeesTest {

    @Test
    void a_suggestion_is_twice_the_base_fee_plus_the_tip() {
        Fees fees = Fees.suggest(BigInteger.valueOf(100), BigInteger.valueOf(7));
        assertThat(fees.maxFeePerGas()).isEqualTo(207);
        assertThat(fees.maxPriorityFeePerGas()).isEqualTo(7);
        assertThat(fees.maxCost(BigInteger.valueOf(21000))).isEqualTo(207L * 21000);
    }

    @Test
    void a_bump_raises_both_fields_rounding_up_and_never_by_less_than_ten_percent() {
        Fees bumped = new Fees(BigInteger.valueOf(15), BigInteger.valueOf(101)).bump(10);
        assertThat(bumped.maxPriorityFeePerGas()).isEqualTo(17); // 16.5 -> 17
        assertThat(bumped.maxFeePerGas()).isEqualTo(112); // 111.1 -> 112
        assertThatThrownBy(() -> bumped.bump(9)).hasMessageContaining("10 %");
    }

    @Test
    void fees_above_an_operator_cap_are_cut_to_it_and_fees_under_it_are_kept() {
        Fees market = new Fees(BigInteger.valueOf(30), BigInteger.valueOf(200));
        assertThat(market.cappedAt(BigInteger.valueOf(500))).isSameAs(market);
        assertThat(market.cappedAt(BigInteger.valueOf(100)))
                .isEqualTo(new Fees(BigInteger.valueOf(30), BigInteger.valueOf(100)));
        assertThat(market.cappedAt(BigInteger.valueOf(20)))
                .isEqualTo(new Fees(BigInteger.valueOf(20), BigInteger.valueOf(20)));
    }

    @Test
    void a_replacement_is_the_bumped_stuck_fees_or_the_market_where_it_asks_more() {
        Fees stuck = new Fees(BigInteger.valueOf(10), BigInteger.valueOf(100));
        assertThat(stuck.replacing(12, new Fees(BigInteger.ONE, BigInteger.TEN)))
                .isEqualTo(new Fees(BigInteger.valueOf(12), BigInteger.valueOf(112)));
        assertThat(stuck.replacing(12, new Fees(BigInteger.valueOf(5), BigInteger.valueOf(300))))
                .isEqualTo(new Fees(BigInteger.valueOf(12), BigInteger.valueOf(300)));
    }

    @Test
    void a_tip_above_the_cap_is_refused() {
        assertThatThrownBy(() -> new Fees(BigInteger.TEN, BigInteger.ONE)).hasMessageContaining("maxPriorityFeePerGas");
    }
}
