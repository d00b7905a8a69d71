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
 * How many partitions of a Kafka batch are stored at once ({@code clearinghouse.metering.store-parallelism}): as
 * configured on PostgreSQL (3 by default), one transaction per batch on H2, and a bad value fails the start naming the
 * key.
 */
class StoreParallelismTest {

    private static int parallelism(JdbcTarget target, Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = StoreParallelismTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(props);
        ((PropertiesComponent) context.getPropertiesComponent()).setEnvironmentVariableMode(0);
        try (Database database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            return MeteringConfiguration.storeParallelism(context, database);
        }
    }

    @Test
    void postgresql_stores_three_partitions_at_once_by_default_or_as_configured() throws Exception {
        assertThat(parallelism(TestDatabases.postgres(), Map.of())).isEqualTo(3);
        assertThat(parallelism(TestDatabases.postgres(), Map.of(MeteringConfiguration.STORE_PARALLELISM, "1")))
                .isEqualTo(1);
    }

    @Test
    void h2_stores_a_batch_in_one_transaction() throws Exception {
        assertThat(parallelism(TestDatabases.h2(), Map.of())).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("io.livepeer.clearinghouse.testing.TestDatabases#both")
    void a_value_below_one_fails_the_start_naming_the_key(JdbcTarget target) {
        assertThatThrownBy(() -> parallelism(target, Map.of(MeteringConfiguration.STORE_PARALLELISM, "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(MeteringConfiguration.STORE_PARALLELISM);
    }
}
