package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.bridge.BridgeSettings;
import io.livepeer.clearinghouse.routes.core.CoreSettings;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.delivery.DeliverySettings;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import io.livepeer.clearinghouse.routes.price.PriceSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Configuration is checked once, at start-up, with messages that name the key. */
class SettingsTest {

    /** The shipped application.properties plus {@code overrides}, never this machine's environment. */
    static SettingsReader reader(Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = SettingsTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(props);
        ((org.apache.camel.component.properties.PropertiesComponent) context.getPropertiesComponent())
                .setEnvironmentVariableMode(0); // this machine's environment must not leak into the test
        return SettingsReader.of(context);
    }

    static String all(Map<String, String> overrides) throws Exception {
        SettingsReader r = reader(overrides);
        return List.of(
                        CoreSettings.from(r),
                        PriceSettings.from(r),
                        MeteringSettings.from(r),
                        DeliverySettings.from(r),
                        BridgeSettings.from(r),
                        ApiAuth.from(r))
                .toString();
    }

    @Test
    void the_shipped_defaults_are_valid_and_deliver_nowhere() throws Exception {
        SettingsReader r = reader(Map.of());
        MeteringSettings metering = MeteringSettings.from(r);
        assertThat(metering.topic()).isEqualTo("livepeer-gateway-events");
        assertThat(metering.groupId()).isEqualTo("clearinghouse-metering");
        assertThat(metering.cloudEventSource()).isEqualTo("go-livepeer-remote-signer");
        assertThat(CoreSettings.from(r).jdbcUrl()).isEqualTo("jdbc:h2:file:./data/clearinghouse");
        assertThat(DeliverySettings.from(r).deliveryEnabled()).isFalse();
        assertThat(DeliverySettings.from(r).batchSize()).isEqualTo(100);
        assertThat(PriceSettings.from(r).staticPrice()).isEmpty();
        assertThat(PriceSettings.from(r).oracleRefresh()).isEqualTo(Duration.ofMinutes(5));
        BridgeSettings bridge = BridgeSettings.from(r);
        assertThat(bridge.authMode()).isEqualTo("api_key");
        assertThat(bridge.expiryTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(bridge.oidcClientClaim()).isEqualTo("azp");
    }

    @Test
    void bad_values_fail_the_start_naming_the_key() {
        assertThatThrownBy(() -> all(Map.of("clearinghouse.price.static", "-3")))
                .hasMessage("clearinghouse.price.static must be positive, got -3");
        assertThatThrownBy(() -> all(Map.of("clearinghouse.price.static", "cheap")))
                .hasMessage("clearinghouse.price.static must be a decimal number, got 'cheap'");
        assertThatThrownBy(() -> all(Map.of("clearinghouse.openmeter.url", "ftp://x")))
                .hasMessageStartingWith("clearinghouse.openmeter.url must be an http(s) URL");
        assertThatThrownBy(() -> all(Map.of("clearinghouse.openmeter.batch-size", "500")))
                .hasMessage("clearinghouse.openmeter.batch-size must be at most 100, got 500");
        assertThatThrownBy(() -> all(Map.of("clearinghouse.price.oracle-refresh", "soon")))
                .hasMessageStartingWith("clearinghouse.price.oracle-refresh must be a duration");
        assertThatThrownBy(() -> all(Map.of("clearinghouse.kafka.topic", " ")))
                .hasMessage("clearinghouse.kafka.topic is required");
        assertThatThrownBy(() -> all(Map.of("clearinghouse.bridge.auth-mode", "ldap")))
                .hasMessage("clearinghouse.bridge.auth-mode must be api_key or oidc, got ldap");
    }

    @Test
    void the_management_port_with_its_unauthenticated_details_listens_on_loopback_by_default() throws Exception {
        assertThat(reader(Map.of()).optional("camel.management.host")).hasValue("127.0.0.1");
        assertThat(reader(Map.of()).optional("camel.server.host")).hasValue("0.0.0.0");
    }

    @Test
    void defaults_live_in_application_properties_only() {
        // a default repeated in Java would hide a key deleted from application.properties
        for (String key : List.of(
                "clearinghouse.bridge.expiry-ttl",
                "clearinghouse.bridge.key-cache-ttl",
                "clearinghouse.bridge.oidc.client-claim",
                "clearinghouse.bridge.api-key-prefix",
                "clearinghouse.openmeter.batch-size",
                "clearinghouse.price.stale-after",
                "clearinghouse.kafka.max-poll-records",
                "clearinghouse.kafka.session-timeout-ms",
                "clearinghouse.jdbc.pool-size")) {
            assertThatThrownBy(() -> all(Map.of(key, "")), key).hasMessage(key + " is required");
        }
    }

    @Test
    void a_heartbeat_not_below_the_session_timeout_names_both_keys() {
        assertThatThrownBy(() -> all(Map.of(
                        "clearinghouse.kafka.session-timeout-ms", "3000",
                        "clearinghouse.kafka.heartbeat-interval-ms", "3000")))
                .hasMessageContaining("clearinghouse.kafka.heartbeat-interval-ms must be below")
                .hasMessageContaining("clearinghouse.kafka.session-timeout-ms");
    }

    @Test
    void secrets_stay_out_of_the_printed_configuration() throws Exception {
        String s = all(Map.of(
                "clearinghouse.openmeter.url",
                "https://us.api.konghq.com/v3/openmeter",
                "clearinghouse.openmeter.token",
                "kpat_supersecret",
                "clearinghouse.price.oracle-url",
                "https://api.example.com/price?apikey=oraclesecret",
                "clearinghouse.jdbc.url",
                "jdbc:postgresql://db:5432/ch?password=dbsecret",
                "clearinghouse.jdbc.password",
                "dbsecret2"));
        assertThat(s)
                .doesNotContain("supersecret", "oraclesecret", "dbsecret")
                .contains("https://us.api.konghq.com", "(token set)", "oracle https://api.example.com");
    }

    @Test
    void durations_read_camel_and_iso_forms() throws Exception {
        assertThat(PriceSettings.from(reader(Map.of("clearinghouse.price.stale-after", "90s")))
                        .priceStaleAfter())
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(PriceSettings.from(reader(Map.of("clearinghouse.price.stale-after", "PT2H")))
                        .priceStaleAfter())
                .isEqualTo(Duration.ofHours(2));
        assertThat(DeliverySettings.from(reader(Map.of("clearinghouse.openmeter.poll-interval", "250")))
                        .deliveryPollInterval())
                .isEqualTo(Duration.ofMillis(250));
    }
}
