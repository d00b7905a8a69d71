package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class DeadLetterTopicAndHealthTest extends PipelineTestSupport {

    @Test
    void dead_letters_also_go_to_the_dead_letter_topic_with_their_reason_and_source() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        String dlq = stage.topic() + "-dlq";
        kafka.createTopic(dlq, 1);
        start(stage, null, Map.of("clearinghouse.kafka.dead-letter-topic", dlq));
        kafka.send(stage.topic(), "k1", "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\"}}");

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(dlq));
            eventually().until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
        }
        ConsumerRecord<String, byte[]> record = records.get(0);
        assertThat(record.key()).isEqualTo("k1");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).contains("\"auth_id\":\"c:u\"");
        assertThat(new String(
                        record.headers().lastHeader("clearinghouse_reason").value(), StandardCharsets.UTF_8))
                .isEqualTo("computed_fee is missing");
        assertThat(new String(
                        record.headers().lastHeader("clearinghouse_source").value(), StandardCharsets.UTF_8))
                .isEqualTo(stage.topic() + "/0@0");
    }

    @Test
    void health_says_when_the_kafka_broker_is_unreachable() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of("clearinghouse.kafka.brokers", "127.0.0.1:" + freePort()));
        eventually().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode health = Json.mapper()
                    .readTree(get(stage.managementPort(), "/observe/health").body());
            JsonNode kafkaCheck = PriceGateTest.check(health, "kafka");
            return "DOWN".equals(kafkaCheck.path("status").asText())
                    && kafkaCheck.path("message").asText().startsWith("Kafka broker unreachable at 127.0.0.1:");
        });
        assertThat(app.services().metrics().consumedCount()).isZero();
    }

    @Test
    void health_is_down_with_the_reason_when_the_metering_consumer_stops_consuming() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(stage, null, Map.of());
        eventually()
                .until(() -> "UP"
                        .equals(PriceGateTest.check(
                                        Json.mapper()
                                                .readTree(get(stage.managementPort(), "/observe/health")
                                                        .body()),
                                        "metering-consumer")
                                .path("status")
                                .asText()));

        // the consumer goes away while the brokers stay reachable (before: only the kafka check, which stayed UP)
        app.context().getRouteController().stopRoute("signer-events");
        kafka.send(stage.topic(), "k", "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\"}}");

        JsonNode health = Json.mapper()
                .readTree(get(stage.managementPort(), "/observe/health").body());
        assertThat(health.path("status").asText()).isEqualTo("DOWN");
        assertThat(PriceGateTest.check(health, "metering-consumer")
                        .path("message")
                        .asText())
                .isEqualTo("metering consumer is not running: route signer-events is Stopped");
        assertThat(PriceGateTest.check(health, "kafka").path("status").asText()).isEqualTo("UP");
    }
}
