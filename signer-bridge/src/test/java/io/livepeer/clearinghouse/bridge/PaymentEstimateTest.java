package io.livepeer.clearinghouse.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The reservation arithmetic per payment type, against go-livepeer's billing ({@code server/remote_signer.go}
 * {@code GenerateLivePayment}; the cases of {@code remote_signer_test.go}).
 */
class PaymentEstimateTest {

    static final Duration MAX = Duration.ofSeconds(60);

    static JsonNode state(String type, Object price, Object pixels, long sequence) throws Exception {
        return Json.mapper()
                .readTree("{\"StateID\":\"s1\",\"Type\":\"" + type + "\",\"InitialPricePerUnit\":" + price
                        + ",\"InitialPixelsPerUnit\":" + pixels + ",\"SequenceNumber\":" + sequence + "}");
    }

    @Test
    void live_bills_ten_seconds_first_then_the_elapsed_seconds_rounded_up() throws Exception {
        // TestGenerateLivePayment_LiveBillsElapsedSeconds: 3 wei/s, 10 s minimum first = 30 wei, then 12 s = 36 wei
        PaymentEstimate first = PaymentEstimate.of(state("live", 3, 1, 0), null, null, MAX);
        assertThat(first.paymentWei()).isEqualTo(BigInteger.valueOf(30));
        assertThat(first.weiPerSecond()).isEqualTo(BigInteger.valueOf(3));
        assertThat(PaymentEstimate.of(state("live", 3, 1, 1), null, Duration.ofSeconds(12), MAX)
                        .paymentWei())
                .isEqualTo(BigInteger.valueOf(36));
        assertThat(PaymentEstimate.of(state("live", 3, 1, 1), null, Duration.ofMillis(11_200), MAX)
                        .paymentWei())
                .as("a started second is billed whole")
                .isEqualTo(BigInteger.valueOf(36));
        assertThat(PaymentEstimate.of(state("live", 3, 1, 5), null, Duration.ofSeconds(600), MAX)
                        .paymentWei())
                .as("capped at the max payment interval")
                .isEqualTo(BigInteger.valueOf(180));
        assertThat(PaymentEstimate.of(state("live", 3, 1, 5), null, null, MAX).paymentWei())
                .as("a later call with no earlier hold (calls skipped under an expiry) assumes the max interval")
                .isEqualTo(BigInteger.valueOf(180));
    }

    @Test
    void lv2v_bills_720p30_pixels_per_second_at_the_rational_price() throws Exception {
        // price 150/175 wei per pixel, 27,648,000 pixels a second: 60 s first payment
        PaymentEstimate first = PaymentEstimate.of(state("lv2v", 150, 175, 0), null, null, MAX);
        BigDecimal perSecond = new BigDecimal(27_648_000L)
                .multiply(new BigDecimal(150))
                .divide(new BigDecimal(175), 18, java.math.RoundingMode.UP);
        assertThat(first.weiPerSecond())
                .isEqualTo(perSecond.setScale(0, java.math.RoundingMode.UP).toBigInteger());
        assertThat(first.paymentWei())
                .isEqualTo(perSecond
                        .multiply(BigDecimal.valueOf(60))
                        .setScale(0, java.math.RoundingMode.UP)
                        .toBigInteger());
        assertThat(PaymentEstimate.of(state("lv2v", 150, 175, 2), null, Duration.ofSeconds(2), MAX)
                        .paymentWei())
                .isEqualTo(perSecond
                        .multiply(BigDecimal.valueOf(2))
                        .setScale(0, java.math.RoundingMode.UP)
                        .toBigInteger());
        assertThat(first.timeBound()).isTrue();
    }

    @Test
    void fixed_bills_one_unit_and_has_no_rate_so_no_window() throws Exception {
        PaymentEstimate fixed = PaymentEstimate.of(state("fixed", 4, 1, 3), null, Duration.ofSeconds(30), MAX);
        assertThat(fixed.paymentWei()).isEqualTo(BigInteger.valueOf(4));
        assertThat(fixed.timeBound()).isFalse();
        assertThat(fixed.windowWei(Duration.ofSeconds(60))).isZero();
    }

    @Test
    void an_unknown_type_cannot_be_estimated_and_the_key_max_price_stands_in_for_a_missing_state_price()
            throws Exception {
        assertThat(PaymentEstimate.of(state("", 1200, 1, 3), null, null, MAX).paymentWei())
                .isZero();
        JsonNode noPrice = Json.mapper().readTree("{\"Type\":\"live\",\"SequenceNumber\":0}");
        assertThat(PaymentEstimate.of(noPrice, null, null, MAX).paymentWei()).isZero();
        MaxPrice ceiling = new MaxPrice(BigInteger.valueOf(1300), "seconds");
        assertThat(PaymentEstimate.of(noPrice, ceiling, null, MAX).paymentWei()).isEqualTo(BigInteger.valueOf(13_000));
        assertThat(PaymentEstimate.of(noPrice, new MaxPrice(BigInteger.TEN, "fixed"), null, MAX)
                        .paymentWei())
                .as("a ceiling in another unit does not apply")
                .isZero();
        assertThat(PaymentEstimate.of(state("live", "\"1200\"", "\"1\"", 0), null, null, MAX)
                        .paymentWei())
                .as("numbers sent as strings")
                .isEqualTo(BigInteger.valueOf(12_000));
    }

    @Test
    void wei_become_billable_usd_micros_with_the_markup_rounded_up() {
        // DESIGN.md §5: fee 10^15 wei at $3000 → 3,000,000 network micros; +15% → 3,450,000
        assertThat(SpendControl.micros(BigInteger.TEN.pow(15), Optional.of(new BigDecimal("3000")), BigDecimal.ZERO))
                .isEqualByComparingTo("3000000");
        assertThat(SpendControl.micros(BigInteger.TEN.pow(15), Optional.of(new BigDecimal("3000")), new BigDecimal(15)))
                .isEqualByComparingTo("3450000");
        assertThat(SpendControl.micros(BigInteger.ONE, Optional.of(new BigDecimal("3000")), BigDecimal.ZERO))
                .isEqualByComparingTo("0.000000003");
        assertThat(SpendControl.micros(BigInteger.ONE, Optional.of(new BigDecimal("1")), BigDecimal.ZERO))
                .as("below 12 decimals rounds up, never down")
                .isEqualByComparingTo("0.000000000001");
    }
}
