package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.price.PriceGuard;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** An absurd oracle price (out of bounds, or a jump beyond the ratio) is refused, never billed. */
class PriceGuardTest {

    static final PriceGuard GUARD =
            new PriceGuard(new BigDecimal("10"), new BigDecimal("1000000"), new BigDecimal("2"));

    static BigDecimal usd(String value) {
        return new BigDecimal(value);
    }

    @Test
    void a_plausible_first_price_and_a_normal_move_are_used() {
        assertThat(GUARD.refusal(null, usd("3000"))).isEmpty();
        assertThat(GUARD.refusal(usd("3000"), usd("3150.25"))).isEmpty();
        assertThat(GUARD.refusal(usd("3000"), usd("6000"))).isEmpty();
        assertThat(GUARD.refusal(usd("3000"), usd("1500"))).isEmpty();
    }

    @Test
    void a_price_outside_the_bounds_is_refused_even_as_the_first_one() {
        assertThat(GUARD.refusal(null, usd("0.0003")))
                .hasValueSatisfying(r -> assertThat(r).contains("outside"));
        assertThat(GUARD.refusal(null, usd("3000000000")))
                .hasValueSatisfying(r -> assertThat(r).contains("outside"));
    }

    @Test
    void a_jump_beyond_the_ratio_either_way_is_refused() {
        assertThat(GUARD.refusal(usd("3000"), usd("6000.01")))
                .hasValueSatisfying(r -> assertThat(r).contains("factor"));
        assertThat(GUARD.refusal(usd("3000"), usd("1499.99")))
                .hasValueSatisfying(r -> assertThat(r).contains("factor"));
    }

    @Test
    void nonsense_settings_are_refused() {
        assertThatThrownBy(() -> new PriceGuard(usd("0"), usd("10"), usd("2"))).hasMessageContaining("0 < min < max");
        assertThatThrownBy(() -> new PriceGuard(usd("10"), usd("100"), usd("1")))
                .hasMessageContaining("above 1");
    }
}
