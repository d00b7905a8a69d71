package io.livepeer.clearinghouse.routes.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Retention is a dry run with generous ages unless the operator says otherwise; bad values name their key. */
class RetentionSettingsTest {

    /** The shipped application.properties plus {@code overrides}, never this machine's environment. */
    static RetentionSettings settings(Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = RetentionSettingsTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(props);
        ((PropertiesComponent) context.getPropertiesComponent()).setEnvironmentVariableMode(0);
        return RetentionSettings.from(SettingsReader.of(context));
    }

    @Test
    void the_shipped_defaults_only_report_and_keep_ninety_days() throws Exception {
        RetentionSettings s = settings(Map.of());
        assertThat(s.dryRun()).isTrue();
        assertThat(s.outboxPayloadAge()).hasValue(Duration.ofDays(90));
        assertThat(s.deadLetterAge()).hasValue(Duration.ofDays(90));
        assertThat(s.interval()).isEqualTo(Duration.ofHours(6));
        assertThat(s.initialDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.batchSize()).isEqualTo(1000);
        assertThat(s.enabled()).isTrue();
        assertThat(s.toString())
                .isEqualTo("RetentionSettings[dry run (report only), outbox payloads after PT2160H,"
                        + " dead letters after PT2160H, every PT6H, batches of 1000]");
    }

    @Test
    void an_age_of_zero_keeps_that_kind_forever_and_both_zero_switch_retention_off() throws Exception {
        RetentionSettings s = settings(Map.of(
                "clearinghouse.retention.outbox-payload-age", "0", "clearinghouse.retention.dead-letter-age", "P30D"));
        assertThat(s.outboxPayloadAge()).isEmpty();
        assertThat(s.policy().outboxPayloadAge()).isNull();
        assertThat(s.policy().deadLetterAge()).isEqualTo(Duration.ofDays(30));
        assertThat(settings(Map.of(
                                "clearinghouse.retention.outbox-payload-age", "0",
                                "clearinghouse.retention.dead-letter-age", "0"))
                        .enabled())
                .isFalse();
    }

    @Test
    void bad_values_fail_the_start_naming_the_key() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.retention.dry-run", "maybe")))
                .hasMessage("clearinghouse.retention.dry-run must be true or false, got 'maybe'");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.retention.outbox-payload-age", "a while")))
                .hasMessageStartingWith("clearinghouse.retention.outbox-payload-age must be a duration");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.retention.dead-letter-age", "PT-24H")))
                .hasMessage("clearinghouse.retention.dead-letter-age must not be negative, got PT-24H");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.retention.interval", "0")))
                .hasMessage("clearinghouse.retention.interval must be positive, got PT0S");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.retention.batch-size", "0")))
                .hasMessage("clearinghouse.retention.batch-size must be positive, got 0");
    }

    @Test
    void defaults_live_in_application_properties_only() {
        for (String key : List.of(
                "clearinghouse.retention.dry-run",
                "clearinghouse.retention.outbox-payload-age",
                "clearinghouse.retention.dead-letter-age",
                "clearinghouse.retention.interval",
                "clearinghouse.retention.initial-delay",
                "clearinghouse.retention.batch-size")) {
            assertThatThrownBy(() -> settings(Map.of(key, "")), key).hasMessage(key + " is required");
        }
    }
}
