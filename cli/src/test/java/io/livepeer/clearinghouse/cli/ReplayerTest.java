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
}
