package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.reconcile.ReconcileSettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduled reconciliation's settings: off by default, checked at start-up with the key named. */
class ReconcileSettingsTest {

    static ReconcileSettings settings(Map<String, String> overrides) throws Exception {
        return ReconcileSettings.from(SettingsTest.reader(overrides));
    }

    @Test
    void shipped_off_with_the_reference_catalog_meters_and_a_one_micro_tolerance() throws Exception {
        ReconcileSettings s = settings(Map.of());
        assertThat(s.enabled()).isFalse();
        assertThat(s.window()).isEqualTo(Duration.ofHours(24));
        assertThat(s.settle()).isEqualTo(Duration.ofMinutes(15));
        assertThat(s.interval()).isEqualTo(Duration.ofHours(1));
        assertThat(s.meters().events()).isEqualTo("signed_ticket_count");
        assertThat(s.meters().network()).isEqualTo("network_fee_usd_micros");
        assertThat(s.meters().billable()).isEqualTo("billable_usd_micros");
        assertThat(s.tolerance().absoluteMicros()).isEqualByComparingTo("1");
        assertThat(s.tolerance().relative()).isZero();
    }

    @Test
    void a_percentage_and_an_amount_can_be_combined() throws Exception {
        ReconcileSettings s = settings(Map.of("clearinghouse.reconcile.tolerance", "5, 0.01%"));
        assertThat(s.tolerance().allowed(new BigDecimal("1000000"))).isEqualByComparingTo("100");
        assertThat(s.tolerance().allowed(new BigDecimal("10"))).isEqualByComparingTo("5");
    }

    @Test
    void bad_values_fail_the_start_naming_the_key() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.enabled", "true")))
                .hasMessageContaining("clearinghouse.openmeter.url");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.tolerance", "a bit")))
                .hasMessageStartingWith("clearinghouse.reconcile.tolerance");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.window", "1500ms")))
                .hasMessageStartingWith("clearinghouse.reconcile.window must be a positive whole number of seconds");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.count-meter", "Tickets")))
                .hasMessageStartingWith("clearinghouse.reconcile.*-meter");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.settle", "")))
                .hasMessage("clearinghouse.reconcile.settle is required");
    }

    @Test
    void the_token_never_shows_in_the_printed_settings() throws Exception {
        ReconcileSettings s = settings(Map.of(
                "clearinghouse.reconcile.enabled", "true",
                "clearinghouse.openmeter.url", "https://us.api.konghq.com",
                "clearinghouse.openmeter.token", "kpat_secret"));
        assertThat(s.toString())
                .doesNotContain("kpat_secret")
                .contains("token set")
                .contains("us.api.konghq.com");
    }

    @Test
    void windows_are_the_whole_period_by_default_and_listing_is_bounded() throws Exception {
        ReconcileSettings s = settings(Map.of());
        assertThat(s.windowSize()).isEmpty();
        assertThat(s.listing().maxWindows()).isEqualTo(20);
        assertThat(s.listing().maxPages()).isEqualTo(10);
        assertThat(settings(Map.of("clearinghouse.reconcile.window-size", "hour"))
                        .windowSize())
                .contains(io.livepeer.clearinghouse.openmeter.WindowSize.HOUR);
        assertThat(settings(Map.of("clearinghouse.reconcile.window-size", "DAY"))
                        .toString())
                .contains("windows DAY");
    }

    @Test
    void a_bad_window_size_or_listing_limit_fails_the_start_naming_the_key() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.window-size", "MONTH")))
                .hasMessageStartingWith("clearinghouse.reconcile.window-size: must be PERIOD, MINUTE, HOUR or DAY");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.listing-pages", "0")))
                .hasMessageStartingWith("clearinghouse.reconcile.listing-windows / listing-pages");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.listing-windows", "many")))
                .hasMessageStartingWith("clearinghouse.reconcile.listing-windows / listing-pages");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.reconcile.window-size", "")))
                .hasMessage("clearinghouse.reconcile.window-size is required");
    }
}
