package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./clearinghouse replay} reports only what Kafka acknowledged, and fails loudly on a refused line. */
class ReplayerTest {

    static KafkaTestBroker kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void every_line_is_sent_and_acknowledged() throws IOException {
        kafka.createTopic("replay-ok", 1);
        Path file = Files.createTempFile("events", ".jsonl");
        Files.write(file, List.of("{\"type\":\"a\"}", "", "{\"type\":\"b\"}"));

        assertThat(Replayer.replay(file, kafka.bootstrapServers(), "replay-ok", 0))
                .isEqualTo(2);
    }

    @Test
    void a_line_the_broker_refuses_fails_the_replay_and_names_the_line(@TempDir Path dir) throws IOException {
        kafka.createTopic("replay-refused", 1);
        Path file = dir.resolve("events.jsonl");
        // over the producer's default 1 MB request limit
        String huge =
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}}";
        Files.write(file, List.of("{\"type\":\"a\"}", huge, "{\"type\":\"b\"}"));

        assertThatThrownBy(() -> Replayer.replay(file, kafka.bootstrapServers(), "replay-refused", 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("1 of 3 record(s)")
                .hasMessageContaining("first refused at line 2");
    }

    @Test
    void retime_moves_the_latest_usage_time_to_now_keeping_the_spacing_and_leaves_other_lines_alone(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("old.jsonl");
        String first = "{\"id\":\"a\",\"type\":\"create_signed_ticket\",\"timestamp\":\"1787220000123\","
                + "\"data\":{\"current_time\":\"2026-08-20T10:00:00.123456789Z\",\"current_time_unix\":1787220000123,"
                + "\"previous_time\":\"2026-08-20T09:59:50Z\",\"billable_secs\":12.0041}}";
        String second = "{\"id\":\"b\",\"type\":\"create_signed_ticket\",\"timestamp\":\"1787220060123\","
                + "\"data\":{\"current_time\":\"2026-08-20T10:01:00.123Z\"}}";
        Files.write(file, List.of(first, second, "{truncated"));
        java.time.Instant now = java.time.Instant.parse("2026-11-28T12:00:00.123Z");

        java.time.Duration shift = Replayer.shiftTo(file, now);
        assertThat(shift)
                .isEqualTo(java.time.Duration.between(java.time.Instant.parse("2026-08-20T10:01:00.123Z"), now));
        com.fasterxml.jackson.databind.JsonNode moved =
                io.livepeer.clearinghouse.processors.json.Json.mapper().readTree(Replayer.shifted(first, shift));
        assertThat(moved.path("timestamp").asText())
                .isEqualTo(String.valueOf(now.minusSeconds(60).toEpochMilli()));
        assertThat(moved.path("data").path("current_time").asText()).isEqualTo("2026-11-28T11:59:00.123456789Z");
        assertThat(moved.path("data").path("current_time_unix").asLong())
                .isEqualTo(now.minusSeconds(60).toEpochMilli());
        assertThat(moved.path("data").path("previous_time").asText()).isEqualTo("2026-11-28T11:58:50Z");
        assertThat(moved.path("data").path("billable_secs").decimalValue()).isEqualByComparingTo("12.0041");
        assertThat(moved.path("id").asText()).isEqualTo("a");
        assertThat(new String(Replayer.shifted("{truncated", shift), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{truncated");
    }
}
