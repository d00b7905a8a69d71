package io.livepeer.clearinghouse.ledger.earnings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure rules of session, workload, lease and power credit, checked against livepeer-ops' numbers. */
class EarningsArithmeticTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long FORTY_MIN = 2_400_000;

    @Test
    void proof_hash_is_the_backends_sha256_of_sorted_compact_json() {
        // expected values computed with Python: json.dumps(p, sort_keys=True, separators=(",",":")) and hashlib
        assertThat(ProofHash.of("s1", "orch-1", null, null, 0, T0, T0.plusSeconds(10), 10_000))
                .isEqualTo("sha256:43b8a3619d6a78e5b217098c6b01bd20b34ca250be006c3fa66921906e725a6e");
        Instant start = Instant.parse("2026-01-01T00:40:00.123Z");
        assertThat(ProofHash.of(
                        "s\u00e9\"\\\n\u007f\ud83d\ude00",
                        "o",
                        "edge-1",
                        "st",
                        3,
                        start,
                        start.plusMillis(FORTY_MIN),
                        FORTY_MIN))
                .isEqualTo("sha256:0853e186c44323e73abdbb29653bedac0c1a572ffb2398966ca0b1f13fba024e");
    }

    @Test
    void timestamps_are_python_isoformat_with_z_and_microseconds_only_when_non_zero() {
        assertThat(ProofHash.isoformat(T0)).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(ProofHash.isoformat(T0.plusMillis(123))).isEqualTo("2026-01-01T00:00:00.123000Z");
        assertThat(ProofHash.isoformat(T0.plusNanos(1_500))).isEqualTo("2026-01-01T00:00:00.000001Z");
    }

    @Test
    void heartbeats_close_only_full_forty_minute_segments_and_end_closes_the_remainder() {
        Segments.Closed hb = Segments.close(T0, T0.plusMillis(FORTY_MIN * 2 + 5_000), FORTY_MIN, false);
        assertThat(hb.segments())
                .extracting(Segments.Segment::durationMs, Segments.Segment::trigger)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(FORTY_MIN, "segment"),
                        org.assertj.core.groups.Tuple.tuple(FORTY_MIN, "segment"));
        assertThat(hb.cursor()).isEqualTo(T0.plusMillis(FORTY_MIN * 2));

        Segments.Closed end = Segments.close(hb.cursor(), T0.plusMillis(FORTY_MIN * 2 + 5_000), FORTY_MIN, true);
        assertThat(end.segments()).singleElement().satisfies(s -> {
            assertThat(s.durationMs()).isEqualTo(5_000);
            assertThat(s.trigger()).isEqualTo("end");
            assertThat(s.end()).isEqualTo(T0.plusMillis(FORTY_MIN * 2 + 5_000));
        });
        assertThat(Segments.close(T0, T0.plusSeconds(10), FORTY_MIN, false).segments())
                .isEmpty();
        assertThat(Segments.close(T0, T0.minusSeconds(10), FORTY_MIN, true).segments())
                .as("a clock that went backwards closes nothing")
                .isEmpty();
    }

    @Test
    void the_backends_vector_credits_exactly_one_hundredth_eth() {
        BigInteger rate = WeiAccrual.weiPerMinute(new BigDecimal("0.06"));
        WeiAccrual.Step step = WeiAccrual.accrue(BigInteger.ZERO, 10_000, rate);
        assertThat(WeiAccrual.eth(step.creditWei())).isEqualTo("0.01");
    }

    @Test
    void the_wei_fraction_is_carried_so_the_sum_is_exact_to_under_one_wei() {
        // 1 wei per minute: each 7 ms segment owes 7/60000 wei; no single segment reaches a whole wei
        BigInteger rate = BigInteger.ONE;
        BigInteger n = BigInteger.ZERO;
        BigInteger sum = BigInteger.ZERO;
        long totalMs = 0;
        for (int i = 0; i < 20_000; i++) {
            WeiAccrual.Step s = WeiAccrual.accrue(n, 7, rate);
            n = s.numerator();
            sum = sum.add(s.creditWei());
            totalMs += 7;
        }
        BigDecimal exact =
                BigDecimal.valueOf(totalMs).divide(BigDecimal.valueOf(60_000), 30, java.math.RoundingMode.DOWN);
        assertThat(new BigDecimal(sum)).isLessThanOrEqualTo(exact);
        assertThat(exact.subtract(new BigDecimal(sum))).isLessThan(BigDecimal.ONE);
        assertThat(sum).isEqualTo(BigInteger.TWO); // floor(140000 / 60000)
    }

    @Test
    void rates_finer_than_a_wei_per_minute_or_negative_are_refused() {
        assertThatThrownBy(() -> WeiAccrual.weiPerMinute(new BigDecimal("0.0000000000000000001")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("18 decimals");
        assertThatThrownBy(() -> WeiAccrual.weiPerMinute(new BigDecimal("-1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(WeiAccrual.weiPerMinute(new BigDecimal("0.000005353596")))
                .isEqualTo(new BigInteger("5353596000000"));
    }

    @Test
    void leases_last_between_thirty_seconds_and_the_maximum_and_requests_outside_the_api_range_are_refused() {
        LeaseBounds b = new LeaseBounds(900, 3600);
        assertThat(b.seconds(null)).isEqualTo(900);
        assertThat(b.seconds(30L)).isEqualTo(30);
        assertThat(b.seconds(86_400L)).isEqualTo(3600);
        assertThat(new LeaseBounds(10, 3600).seconds(null)).isEqualTo(30);
        assertThatThrownBy(() -> b.seconds(29L)).hasMessageContaining("lease_seconds");
        assertThatThrownBy(() -> b.seconds(86_401L)).hasMessageContaining("lease_seconds");
    }

    @Test
    void the_power_meter_credits_consecutive_awake_polls_within_the_maximum_gap() {
        Duration max = Duration.ofSeconds(180);
        assertThat(PowerGap.judge("awake", T0, "awake", T0.plusSeconds(60), max))
                .isEqualTo(PowerGap.Outcome.CREDIT);
        assertThat(PowerGap.judge("awake", T0, "awake", T0.plusSeconds(180), max))
                .isEqualTo(PowerGap.Outcome.CREDIT);
        assertThat(PowerGap.judge("awake", T0, "awake", T0.plusSeconds(181), max))
                .isEqualTo(PowerGap.Outcome.GAP_SKIPPED);
        assertThat(PowerGap.judge("awake", T0, "asleep", T0.plusSeconds(60), max))
                .isEqualTo(PowerGap.Outcome.NONE);
        assertThat(PowerGap.judge("asleep", T0, "awake", T0.plusSeconds(60), max))
                .isEqualTo(PowerGap.Outcome.NONE);
        assertThat(PowerGap.judge(null, null, "awake", T0, max)).isEqualTo(PowerGap.Outcome.NONE);
        // the backend's test: rate 0.1 ETH/min, awake -> awake 60 s apart credits 0.1
        BigInteger rate = WeiAccrual.weiPerMinute(new BigDecimal("0.1"));
        assertThat(WeiAccrual.eth(
                        WeiAccrual.accrue(BigInteger.ZERO, 60_000, rate).creditWei()))
                .isEqualTo("0.1");
    }

    @Test
    void attribution_follows_the_backends_order() {
        var a = new Attribution.Addresses("a", null, "10.0.0.1", null, null, null, null);
        var b = new Attribution.Addresses("b", null, null, "10.0.0.2", null, "http://10.0.0.3:9090/health", "10.0.0.4");
        List<Attribution.Addresses> reg = List.of(a, b);
        assertThat(Attribution.resolve("b", "10.0.0.1", reg, "c").orElseThrow())
                .isEqualTo(new Attribution.Attributed("b", "payload"));
        assertThat(Attribution.resolve("unknown", "10.0.0.1", reg, "c").orElseThrow())
                .isEqualTo(new Attribution.Attributed("a", "registry_address"));
        assertThat(Attribution.resolve(null, "10.0.0.3", reg, null)
                        .orElseThrow()
                        .orchestratorId())
                .isEqualTo("b");
        assertThat(Attribution.resolve(null, "10.0.0.4", reg, null)
                        .orElseThrow()
                        .orchestratorId())
                .isEqualTo("b");
        assertThat(Attribution.resolve(null, "10.9.9.9", reg, "c").orElseThrow())
                .isEqualTo(new Attribution.Attributed("c", "prior_session"));
        assertThat(Attribution.resolve(null, null, reg, "c")).isEmpty();
    }

    @Test
    void power_and_autosleep_hosts_are_chosen_as_the_backend_does() {
        var named =
                new Attribution.Addresses("a", null, "orch.example", null, "10.0.0.9", "http://h.example:9090/x", null);
        assertThat(Attribution.powerHost(named, "10.1.1.1")).isEqualTo("10.0.0.9");
        assertThat(Attribution.autosleepHost(named)).isEqualTo("h.example");
        var bare = new Attribution.Addresses("a", null, null, null, null, null, null);
        assertThat(Attribution.powerHost(bare, "10.1.1.1")).isEqualTo("10.1.1.1");
        assertThat(Attribution.autosleepHost(bare)).isNull();
        var explicit = new Attribution.Addresses("a", "power.example", "10.0.0.1", null, null, null, null);
        assertThat(Attribution.powerHost(explicit, null)).isEqualTo("power.example");
        assertThat(Attribution.autosleepHost(explicit)).isEqualTo("power.example");
        assertThat(Attribution.isIpLiteral("::1")).isTrue();
        assertThat(Attribution.isIpLiteral("2001:db8::1")).isTrue();
        assertThat(Attribution.isIpLiteral("256.1.1.1")).isFalse();
        assertThat(Attribution.isIpLiteral("example.com")).isFalse();
    }

    @Test
    void time_workloads_are_validated_field_by_field_with_the_backends_bounds() {
        TimeWorkload ok = new TimeWorkload("w1", "o", 60_000L, null, null, "h", null, null, null).validated();
        assertThat(ok.status()).isEqualTo("verified");
        assertThat(ok.credits()).isTrue();
        assertThat(WeiAccrual.oneOff(60_000, WeiAccrual.weiPerMinute(new BigDecimal("0.000005353596"))))
                .isEqualTo(new BigInteger("5353596000000"));
        assertField(new TimeWorkload("w1", "o", 0L, null, null, "h", null, null, null), "duration_ms");
        assertField(new TimeWorkload("w1", "o", 86_400_001L, null, null, "h", null, null, null), "duration_ms");
        assertField(new TimeWorkload("w1", "o", 1L, null, null, null, " ", null, null), "artifact_hash");
        assertField(new TimeWorkload("", "o", 1L, null, null, "h", null, null, null), "workload_id");
        assertField(new TimeWorkload("x".repeat(256), "o", 1L, null, null, "h", null, null, null), "workload_id");
        assertField(new TimeWorkload("w", "o", 1L, null, null, "h", null, null, "done"), "status");
        assertThat(ok.contentHash())
                .isEqualTo(new TimeWorkload("w1", "o", 60_000L, null, null, "h", null, null, "verified")
                        .validated()
                        .contentHash())
                .isNotEqualTo(new TimeWorkload("w1", "o", 60_001L, null, null, "h", null, null, null)
                        .validated()
                        .contentHash());
    }

    private static void assertField(TimeWorkload w, String field) {
        assertThatThrownBy(w::validated)
                .isInstanceOfSatisfying(
                        LedgerException.Invalid.class,
                        e -> assertThat(e.field()).isEqualTo(field));
    }
}
