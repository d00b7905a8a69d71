package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.money.UsdSource;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code clearinghouse.metering.usd-source} and {@code price-audit-tolerance}: defaults, overrides, bad values. */
class UsdSourceSettingsTest {

    @Test
    void the_oracle_bills_by_default_with_a_two_percent_audit_tolerance() throws Exception {
        MeteringSettings settings = MeteringSettings.from(SettingsTest.reader(Map.of()));

        assertThat(settings.usd().source()).isEqualTo(UsdSource.ORACLE);
        assertThat(settings.usd().tolerance()).isEqualByComparingTo("0.02");
    }

    @Test
    void the_signer_may_bill_and_the_tolerance_may_be_zero() throws Exception {
        MeteringSettings settings = MeteringSettings.from(SettingsTest.reader(Map.of(
                "clearinghouse.metering.usd-source", "SIGNER",
                "clearinghouse.metering.price-audit-tolerance", "0")));

        assertThat(settings.usd().source()).isEqualTo(UsdSource.SIGNER);
        assertThat(settings.usd().tolerance()).isEqualByComparingTo("0");
    }

    @Test
    void a_bad_source_or_tolerance_fails_the_start_naming_the_key() throws Exception {
        assertThatThrownBy(() -> MeteringSettings.from(
                        SettingsTest.reader(Map.of("clearinghouse.metering.usd-source", "chainlink"))))
                .hasMessage("clearinghouse.metering.usd-source must be oracle or signer, got 'chainlink'");
        assertThatThrownBy(() -> MeteringSettings.from(
                        SettingsTest.reader(Map.of("clearinghouse.metering.price-audit-tolerance", "-0.1"))))
                .hasMessageStartingWith(
                        "clearinghouse.metering.price-audit-tolerance must be a fraction of at least 0");
        assertThatThrownBy(() -> MeteringSettings.from(
                        SettingsTest.reader(Map.of("clearinghouse.metering.price-audit-tolerance", "2%"))))
                .hasMessageStartingWith("clearinghouse.metering.price-audit-tolerance must be a decimal number");
    }
}
