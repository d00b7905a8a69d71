package io.livepeer.clearinghouse.routes.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The runway arithmetic of docs/escrow.md, exact in wei. */
class RunwayTest {

    private static final BigInteger ETH = BigInteger.TEN.pow(18);

    private static BigInteger milli(long n) {
        return ETH.divide(BigInteger.valueOf(1000)).multiply(BigInteger.valueOf(n));
    }

    @Test
    void zero_burn_is_an_infinite_runway_that_is_never_below_a_threshold() {
        Runway r = Runway.of(BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, Duration.ofHours(6));

        assertThat(r.hours()).isEmpty();
        assertThat(r.burnWeiPerHour()).isZero();
        assertThat(r.below(1_000_000)).isFalse();
        assertThat(r.level(72, 12)).isEqualTo(Runway.Level.OK);
    }

    @Test
    void the_reserve_counts_with_the_deposit_as_in_getSenderInfo() {
        // 0.06 ETH spent in 6 h = 0.01 ETH/h; deposit 0.5 + reserve 0.22 = 0.72 ETH = 72 h
        Runway r = Runway.of(milli(500), milli(220), milli(60), Duration.ofHours(6));

        assertThat(r.coverageWei()).isEqualTo(milli(720));
        assertThat(r.burnWeiPerHour()).isEqualTo(milli(10));
        assertThat(r.hours()).contains(new BigDecimal("72.00"));
        assertThat(r.below(72)).isFalse();
        assertThat(r.below(73)).isTrue();
    }

    @Test
    void the_burn_rounds_up_and_the_runway_rounds_down() {
        // 10 wei in 3 h: 3.33.. wei/h -> 4; 10 wei of coverage lasts exactly 3 h; 11 wei lasts 3.3 h
        Runway r = Runway.of(BigInteger.valueOf(11), BigInteger.ZERO, BigInteger.TEN, Duration.ofHours(3));

        assertThat(r.burnWeiPerHour()).isEqualTo(4);
        assertThat(r.hours()).contains(new BigDecimal("3.30"));
        Runway twoThirds = Runway.of(BigInteger.TWO, BigInteger.ZERO, BigInteger.valueOf(3), Duration.ofHours(1));
        assertThat(twoThirds.hours()).contains(new BigDecimal("0.66"));
    }

    @Test
    void amounts_beyond_a_long_keep_every_wei() {
        BigInteger huge = BigInteger.TWO.pow(200);
        Runway r = Runway.of(huge, BigInteger.ONE, huge, Duration.ofHours(1));

        assertThat(r.coverageWei()).isEqualTo(huge.add(BigInteger.ONE));
        assertThat(r.burnWeiPerHour()).isEqualTo(huge);
        assertThat(r.hours()).contains(new BigDecimal("1.00"));
    }

    @Test
    void levels_follow_the_warning_and_critical_thresholds() {
        Duration hour = Duration.ofHours(1);
        assertThat(Runway.of(milli(100), BigInteger.ZERO, milli(1), hour).level(72, 12))
                .isEqualTo(Runway.Level.OK);
        assertThat(Runway.of(milli(50), BigInteger.ZERO, milli(1), hour).level(72, 12))
                .isEqualTo(Runway.Level.WARNING);
        assertThat(Runway.of(milli(11), BigInteger.ZERO, milli(1), hour).level(72, 12))
                .isEqualTo(Runway.Level.CRITICAL);
    }

    @Test
    void the_coverage_for_a_target_rounds_up() {
        assertThat(Runway.coverageFor(BigInteger.TEN, Duration.ofHours(3), 1)).isEqualTo(4);
        assertThat(Runway.coverageFor(milli(60), Duration.ofHours(6), 168)).isEqualTo(milli(1680));
        assertThat(Runway.coverageFor(BigInteger.ZERO, Duration.ofHours(6), 168))
                .isZero();
    }

    @Test
    void a_negative_amount_or_an_empty_window_is_refused() {
        assertThatThrownBy(() -> Runway.of(BigInteger.ONE, BigInteger.ZERO, BigInteger.ONE, Duration.ZERO))
                .hasMessageContaining("burn window");
        assertThatThrownBy(
                        () -> Runway.of(BigInteger.ONE.negate(), BigInteger.ZERO, BigInteger.ONE, Duration.ofHours(1)))
                .hasMessageContaining("negative");
    }

    @Test
    void a_top_up_fills_the_reserve_target_then_the_deposit_to_the_target_coverage() {
        TopUpAmounts t = TopUpAmounts.of(milli(100), milli(10), milli(500), milli(50), milli(10_000));

        assertThat(t.reserveWei()).isEqualTo(milli(40));
        assertThat(t.depositWei()).isEqualTo(milli(350)); // 500 - (100 + 10 + 40)
        assertThat(t.capped()).isFalse();
    }

    @Test
    void the_daily_cap_cuts_the_reserve_before_the_deposit() {
        TopUpAmounts t = TopUpAmounts.of(milli(100), milli(10), milli(500), milli(50), milli(360));

        assertThat(t.depositWei()).isEqualTo(milli(350));
        assertThat(t.reserveWei()).isEqualTo(milli(10));
        assertThat(t.capped()).isTrue();
        TopUpAmounts spent = TopUpAmounts.of(milli(100), milli(10), milli(500), BigInteger.ZERO, milli(-5));
        assertThat(spent.totalWei()).isZero();
        assertThat(spent.capped()).isTrue();
    }

    @Test
    void covered_signers_need_nothing() {
        TopUpAmounts t = TopUpAmounts.of(milli(600), BigInteger.ZERO, milli(500), BigInteger.ZERO, milli(100));

        assertThat(t.totalWei()).isZero();
        assertThat(t.capped()).isFalse();
    }
}
