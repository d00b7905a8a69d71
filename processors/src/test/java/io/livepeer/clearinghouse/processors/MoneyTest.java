package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import io.livepeer.clearinghouse.processors.markup.MarkupRules;
import io.livepeer.clearinghouse.processors.money.FeeConverter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class MoneyTest {

    static final BigDecimal USD_3000 = new BigDecimal("3000");

    @Test
    void ten_to_the_15_wei_at_3000_dollars_is_3000000_micros() {
        assertThat(FeeConverter.weiToUsdMicros(BigInteger.TEN.pow(15), USD_3000).toPlainString())
                .isEqualTo("3000000");
    }

    @Test
    void one_wei_at_3000_dollars_is_a_fraction_of_a_micro_kept_exactly() {
        assertThat(FeeConverter.weiToUsdMicros(BigInteger.ONE, USD_3000).toPlainString())
                .isEqualTo("0.000000003");
    }

    @Test
    void a_fee_above_2_pow_64_converts_without_loss() {
        BigInteger fee = new BigInteger("123456789012345678901");
        assertThat(FeeConverter.weiToUsdMicros(fee, new BigDecimal("2500.5")).toPlainString())
                .isEqualTo("308703700925.37037009195"); // 13th digit 5 after an even 0: HALF_EVEN keeps 0
    }

    @Test
    void results_are_rounded_half_even_to_12_fractional_digits_of_a_micro() {
        BigDecimal halfDollar = new BigDecimal("0.5");
        // 1 wei at $0.50 = 0.0000000000005 micros: exactly half of the 12th digit's unit → even (0)
        assertThat(FeeConverter.weiToUsdMicros(BigInteger.ONE, halfDollar).toPlainString())
                .isEqualTo("0");
        // 3 wei = 0.0000000000015 → 0.000000000002 (half rounds to the even 2)
        assertThat(FeeConverter.weiToUsdMicros(BigInteger.valueOf(3), halfDollar)
                        .toPlainString())
                .isEqualTo("0.000000000002");
        // 5 wei = 0.0000000000025 → 0.000000000002 (half rounds to the even 2, not up to 3)
        assertThat(FeeConverter.weiToUsdMicros(BigInteger.valueOf(5), halfDollar)
                        .toPlainString())
                .isEqualTo("0.000000000002");
    }

    @Test
    void zero_fee_is_zero_micros_and_bad_prices_are_refused() {
        assertThat(FeeConverter.weiToUsdMicros(BigInteger.ZERO, USD_3000).toPlainString())
                .isEqualTo("0");
        assertThatThrownBy(() -> FeeConverter.weiToUsdMicros(BigInteger.ONE, BigDecimal.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FeeConverter.weiToUsdMicros(BigInteger.ONE.negate(), USD_3000))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_15_percent_markup_on_1000000_micros_bills_1150000() {
        assertThat(MarkupRules.apply(new BigDecimal("1000000"), new BigDecimal("15"))
                        .toPlainString())
                .isEqualTo("1150000");
    }

    @Test
    void the_most_specific_markup_rule_wins_and_no_match_is_zero() {
        MarkupRules rules = new MarkupRules(List.of(
                new MarkupRule("*", "*", new BigDecimal("0")),
                new MarkupRule("live-video-to-video", "*", new BigDecimal("15")),
                new MarkupRule("*", "sdxl", new BigDecimal("5")),
                new MarkupRule("live-video-to-video", "sdxl", new BigDecimal("30"))));
        assertThat(rules.percentFor("live-video-to-video", "unknown")).isEqualByComparingTo("15");
        assertThat(rules.percentFor("live-video-to-video", "sdxl")).isEqualByComparingTo("30");
        assertThat(rules.percentFor("live", "sdxl")).isEqualByComparingTo("5");
        assertThat(rules.percentFor("live", "unknown")).isEqualByComparingTo("0");
        assertThat(MarkupRules.none().percentFor("live", "x")).isEqualByComparingTo("0");
        assertThat(new MarkupRules(List.of(new MarkupRule("fixed", "*", BigDecimal.TEN))).percentFor("live", "x"))
                .isEqualByComparingTo("0");
    }

    @Test
    void a_pipeline_rule_outranks_a_model_rule() {
        MarkupRules rules = new MarkupRules(List.of(
                new MarkupRule("*", "sdxl", new BigDecimal("5")), new MarkupRule("live", "*", new BigDecimal("20"))));
        assertThat(rules.percentFor("live", "sdxl")).isEqualByComparingTo("20");
    }
}
