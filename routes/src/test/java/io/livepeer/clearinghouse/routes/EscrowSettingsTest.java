package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.escrow.EscrowSettings;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The escrow flow's settings: safe defaults (idle, dry run, top-up and autofund off) and errors naming the key. */
class EscrowSettingsTest {

    static EscrowSettings settings(Map<String, String> overrides) throws Exception {
        return EscrowSettings.from(SettingsTest.reader(overrides));
    }

    @Test
    void the_shipped_defaults_are_idle_dry_run_and_capped() throws Exception {
        EscrowSettings s = settings(Map.of());

        assertThat(s.signers()).isEmpty();
        assertThat(s.active()).isFalse();
        assertThat(s.dryRun()).isTrue();
        assertThat(s.topUpEnabled()).isFalse();
        assertThat(s.autofundEnabled()).isFalse();
        assertThat(s.chainId()).isEqualTo(42161);
        assertThat(s.ticketBroker()).isEqualTo("0xa8bb618b1520e284046f3dfc448851a1ff26e41b");
        assertThat(s.burnWindow()).isEqualTo(Duration.ofHours(6));
        assertThat(s.runwayWarnHours()).isEqualTo(72);
        assertThat(s.runwayCriticalHours()).isEqualTo(12);
        assertThat(s.topUpDailyCapWei()).isEqualTo(new BigInteger("100000000000000000"));
        assertThat(s.autofundLowWatermarkWei()).isEqualTo(new BigInteger("10000000000000000"));
        assertThat(s.autofundTargetWei()).isEqualTo(new BigInteger("20000000000000000"));
        assertThat(s.payoutKey().environmentVariable()).isEqualTo("PAYOUT_PRIVATE_KEY");
        assertThat(s.treasury().environmentVariable()).isEqualTo("ESCROW_TREASURY_PRIVATE_KEY");
        assertThat(s.stuckAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.feeBumpPercent()).isEqualTo(12);
    }

    @Test
    void signers_are_addresses_lower_cased_once_each() throws Exception {
        String a = "0x" + "Ab".repeat(20);
        EscrowSettings s =
                settings(Map.of("clearinghouse.escrow.signers", a + ", " + a.toLowerCase() + " 0x" + "12".repeat(20)));

        assertThat(s.signers()).containsExactly("0x" + "ab".repeat(20), "0x" + "12".repeat(20));
        assertThat(s.active()).isTrue();
    }

    @Test
    void bad_values_name_their_key() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.signers", "0x1234")))
                .hasMessageContaining("clearinghouse.escrow.signers");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.runway-critical-hours", "100")))
                .hasMessageContaining("clearinghouse.escrow.runway-critical-hours");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.topup.target-hours", "24")))
                .hasMessageContaining("clearinghouse.escrow.topup.target-hours");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.topup.daily-cap-wei", "0.1")))
                .hasMessageContaining("clearinghouse.escrow.topup.daily-cap-wei");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.topup.daily-cap-wei", "0")))
                .hasMessageContaining("clearinghouse.escrow.topup.daily-cap-wei");
        assertThatThrownBy(
                        () -> settings(Map.of("clearinghouse.escrow.autofund.low-watermark-wei", "30000000000000000")))
                .hasMessageContaining("clearinghouse.escrow.autofund.low-watermark-wei");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.burn-window", "0s")))
                .hasMessageContaining("clearinghouse.escrow.burn-window");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.fee-bump-percent", "9")))
                .hasMessageContaining("clearinghouse.escrow.fee-bump-percent")
                .hasMessageContaining("at least 10");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.escrow.stuck-after", "0s")))
                .hasMessageContaining("clearinghouse.escrow.stuck-after");
    }
}
