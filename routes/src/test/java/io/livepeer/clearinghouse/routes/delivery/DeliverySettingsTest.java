package io.livepeer.clearinghouse.routes.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The retry cap: shipped at a minute. The claim lease: shipped at 60 s, and refused at start-up when a claim could expire while a request is in flight. */
class DeliverySettingsTest {

    static DeliverySettings settings(Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = DeliverySettingsTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(props);
        ((PropertiesComponent) context.getPropertiesComponent()).setEnvironmentVariableMode(0);
        return DeliverySettings.from(SettingsReader.of(context));
    }

    @Test
    void the_claim_lease_is_a_minute_by_default() throws Exception {
        assertThat(settings(Map.of()).claimLease()).isEqualTo(Duration.ofSeconds(60));
    }

    /**
     * Delivery resumes at its next retry once OpenMeter is back: with the cap at 5 min, up to five minutes after an
     * outage ended (issue 9). One request a minute per instance while OpenMeter is down costs nothing.
     */
    @Test
    void delivery_retries_at_least_once_a_minute_by_default() throws Exception {
        assertThat(settings(Map.of()).maxBackoff()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void a_lease_not_above_twice_the_request_timeout_fails_the_start_naming_both_keys() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.openmeter.claim-lease", "20s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clearinghouse.openmeter.claim-lease")
                .hasMessageContaining("clearinghouse.http.timeout-ms");
    }
}
