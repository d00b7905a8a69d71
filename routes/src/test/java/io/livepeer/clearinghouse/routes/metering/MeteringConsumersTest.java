package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The metering route's Kafka consumers ({@code clearinghouse.kafka.consumers-count}): as configured on PostgreSQL (one
 * by default), always one on H2 (whose row locks time out instead of waiting, see docs/benchmarks.md), and a bad value
 * fails the start naming the key.
 */
class MeteringConsumersTest {

    private static CamelContext context(Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = MeteringConsumersTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(props);
        ((PropertiesComponent) context.getPropertiesComponent()).setEnvironmentVariableMode(0);
        return context;
    }

    private static int consumers(JdbcTarget target, Map<String, String> overrides) throws Exception {
        try (Database database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            return MeteringConfiguration.consumers(context(overrides), database);
        }
    }

    @Test
    void postgresql_gets_the_configured_consumers_and_one_by_default() throws Exception {
        assertThat(consumers(TestDatabases.postgres(), Map.of())).isEqualTo(1);
        assertThat(consumers(TestDatabases.postgres(), Map.of(MeteringConfiguration.CONSUMERS, "3")))
                .isEqualTo(3);
    }

    @Test
    void h2_always_gets_one_consumer() throws Exception {
        assertThat(consumers(TestDatabases.h2(), Map.of())).isEqualTo(1);
        assertThat(consumers(TestDatabases.h2(), Map.of(MeteringConfiguration.CONSUMERS, "3")))
                .isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_count_below_one_fails_the_start_naming_the_key(JdbcTarget target) {
        assertThatThrownBy(() -> consumers(target, Map.of(MeteringConfiguration.CONSUMERS, "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(MeteringConfiguration.CONSUMERS);
    }
}
