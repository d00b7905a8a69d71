package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Configuration is checked once, at start-up, with messages that name the key. */
class SettingsTest {

    static Settings settings(Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = SettingsTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        try (CamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setInitialProperties(props);
            ((org.apache.camel.component.properties.PropertiesComponent) context.getPropertiesComponent())
                    .setEnvironmentVariableMode(0);   // this machine's environment must not leak into the test
            return Settings.from(context);
        }
    }

    @Test
    void the_shipped_defaults_are_valid_and_deliver_nowhere() throws Exception {
        Settings s = settings(Map.of());
        assertThat(s.topic()).isEqualTo("livepeer-gateway-events");
        assertThat(s.groupId()).isEqualTo("clearinghouse-metering");
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:h2:file:./data/clearinghouse");
        assertThat(s.deliveryEnabled()).isFalse();
        assertThat(s.staticPrice()).isEmpty();
        assertThat(s.oracleRefresh()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.batchSize()).isEqualTo(100);
        assertThat(s.cloudEventSource()).isEqualTo("go-livepeer-remote-signer");
    }

    @Test
    void bad_values_fail_the_start_naming_the_key() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.price.static", "-3")))
                .hasMessage("clearinghouse.price.static must be positive, got -3");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.price.static", "cheap")))
                .hasMessage("clearinghouse.price.static must be a decimal number, got 'cheap'");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.openmeter.url", "ftp://x")))
                .hasMessageStartingWith("clearinghouse.openmeter.url must be an http(s) URL");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.openmeter.batch-size", "500")))
                .hasMessage("clearinghouse.openmeter.batch-size must be at most 100, got 500");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.price.oracle-refresh", "soon")))
                .hasMessageStartingWith("clearinghouse.price.oracle-refresh must be a duration");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.kafka.topic", " ")))
                .hasMessage("clearinghouse.kafka.topic is required");
    }

    @Test
    void secrets_stay_out_of_the_printed_configuration() throws Exception {
        Settings s = settings(Map.of("clearinghouse.openmeter.url", "https://us.api.konghq.com/v3/openmeter",
                "clearinghouse.openmeter.token", "kpat_supersecret",
                "clearinghouse.price.oracle-url", "https://api.example.com/price?apikey=oraclesecret",
                "clearinghouse.jdbc.url", "jdbc:postgresql://db:5432/ch?password=dbsecret",
                "clearinghouse.jdbc.password", "dbsecret2"));
        assertThat(s.toString()).doesNotContain("supersecret", "oraclesecret", "dbsecret")
                .contains("https://us.api.konghq.com", "(token set)", "oracle https://api.example.com");
    }

    @Test
    void durations_read_camel_and_iso_forms() throws Exception {
        assertThat(settings(Map.of("clearinghouse.price.stale-after", "90s")).priceStaleAfter())
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(settings(Map.of("clearinghouse.price.stale-after", "PT2H")).priceStaleAfter())
                .isEqualTo(Duration.ofHours(2));
        assertThat(settings(Map.of("clearinghouse.openmeter.poll-interval", "250")).deliveryPollInterval())
                .isEqualTo(Duration.ofMillis(250));
    }
}
