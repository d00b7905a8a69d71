package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditSettings;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Crediting and autosleep settings: the backend's defaults, exact rates, and the reporter token never printed. */
class CreditSettingsTest {

    static CreditSettings settings(Map<String, String> overrides) throws Exception {
        return CreditSettings.from(SettingsTest.reader(overrides));
    }

    @Test
    void the_shipped_defaults_are_the_backends() throws Exception {
        CreditSettings s = settings(Map.of());
        assertThat(s.sessionRate()).isZero();
        assertThat(s.segment()).isEqualTo(Duration.ofMinutes(40));
        assertThat(s.sessionIdle()).isEqualTo(Duration.ofSeconds(120));
        assertThat(s.powerCache()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.powerPort()).isEqualTo(9090);
        assertThat(s.workloadRate()).isEqualByComparingTo("0.000005353596");
        assertThat(s.leases().defaultSeconds()).isEqualTo(900);
        assertThat(s.leases().maxSeconds()).isEqualTo(3600);
        assertThat(s.powerMeter()).isFalse();
        assertThat(s.powerMaxGap()).isEqualTo(Duration.ofSeconds(180));
        assertThat(s.autosleep()).isFalse();
        assertThat(s.autosleepIdle()).isEqualTo(Duration.ofSeconds(600));
        assertThat(s.autosleepPoll()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.autosleepDryRun()).isFalse();
        assertThat(s.reporterToken()).isEmpty();
    }

    @Test
    void rates_are_whole_wei_per_minute_and_polls_have_a_five_second_floor() throws Exception {
        assertThat(settings(Map.of("clearinghouse.orchestrators.credit.session-eth-per-minute", "0.06"))
                        .sessionWeiPerMinute())
                .isEqualTo(new BigInteger("60000000000000000"));
        assertThatThrownBy(() -> settings(
                        Map.of("clearinghouse.orchestrators.credit.session-eth-per-minute", "0.0000000000000000001")))
                .hasMessageContaining("clearinghouse.orchestrators.credit.session-eth-per-minute")
                .hasMessageContaining("18 decimals");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.orchestrators.credit.power-port", "70000")))
                .hasMessageContaining("clearinghouse.orchestrators.credit.power-port");
        assertThat(settings(Map.of("clearinghouse.orchestrators.credit.autosleep-poll-seconds", "1"))
                        .autosleepPoll())
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void defaults_live_in_application_properties_only_and_the_token_is_never_printed() throws Exception {
        for (String key : List.of(
                "clearinghouse.orchestrators.credit.session-segment-seconds",
                "clearinghouse.orchestrators.credit.workload-time-eth-per-minute",
                "clearinghouse.orchestrators.credit.autosleep-idle-seconds",
                "clearinghouse.orchestrators.credit.power-port")) {
            assertThatThrownBy(() -> settings(Map.of(key, "")), key).hasMessage(key + " is required");
        }
        assertThat(settings(Map.of("clearinghouse.orchestrators.credit.session-reporter-token", "s3cret-reporter"))
                        .toString())
                .doesNotContain("s3cret-reporter")
                .contains("reporter token set");
    }
}
