package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.metering.KafkaClientProperties;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's Kafka client properties file ({@code KAFKA_CLIENT_PROPERTIES}) reaches every Kafka client: the
 * metering consumer (its {@code client.id} shows in the group) and the admin clients of the health check (a SASL
 * setting against a PLAINTEXT broker turns the kafka check DOWN). Before it, security could only be given as
 * {@code CAMEL_COMPONENT_KAFKA_SECURITY_PROTOCOL}, which camel-main 4.18 silently ignores, and the admin clients
 * never saw it. Values (a JAAS password) never reach the health output.
 */
class KafkaClientPropertiesTest extends PipelineTestSupport {

    @TempDir
    Path dir;

    @Test
    void the_consumer_uses_the_file() throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), "client.id=clearinghouse-from-file\n");
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of("clearinghouse.kafka.client-properties-file", file.toString()));

        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            eventually()
                    .until(
                            () -> admin
                                    .describeConsumerGroups(List.of(stage.group()))
                                    .all()
                                    .get()
                                    .get(stage.group())
                                    .members()
                                    .stream()
                                    .map(MemberDescription::clientId)
                                    .anyMatch("clearinghouse-from-file"::equals));
        }
    }

    @Test
    void the_admin_clients_use_the_file_and_no_value_is_shown() throws Exception {
        String password = "jaas-secret-" + UUID.randomUUID();
        Path file = Files.writeString(
                dir.resolve("sasl.properties"),
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"u\" password=\"" + password + "\";\n");
        Stage stage = stage(TestDatabases.h2(), 1);
        start(stage, null, Map.of("clearinghouse.kafka.client-properties-file", file.toString()));

        eventually().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode health = Json.mapper()
                    .readTree(get(stage.managementPort(), "/observe/health").body());
            return "DOWN"
                    .equals(PriceGateTest.check(health, "kafka").path("status").asText());
        });
        assertThat(get(stage.managementPort(), "/observe/health?data=true").body())
                .doesNotContain(password);
    }

    @Test
    void a_file_that_sets_what_the_application_owns_or_cannot_be_read_is_refused() throws Exception {
        Path owned = Files.writeString(dir.resolve("owned.properties"), "bootstrap.servers=elsewhere:9092\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(owned, "KAFKA_CLIENT_PROPERTIES"))
                .hasMessageContaining("sets bootstrap.servers, which the application sets itself");
        assertThatThrownBy(() -> KafkaClientProperties.load(dir.resolve("missing"), "KAFKA_CLIENT_PROPERTIES"))
                .hasMessageStartingWith("KAFKA_CLIENT_PROPERTIES: cannot read the Kafka client properties file");

        Path sasl = Files.writeString(dir.resolve("s.properties"), "sasl.jaas.config=secret\nsecurity.protocol=SSL\n");
        KafkaClientProperties loaded = KafkaClientProperties.load(sasl, "KAFKA_CLIENT_PROPERTIES");
        assertThat(loaded.toString()).isEqualTo("sasl.jaas.config,security.protocol");
        assertThat(loaded.applyTo(new Properties())).containsEntry("security.protocol", "SSL");
    }
}
