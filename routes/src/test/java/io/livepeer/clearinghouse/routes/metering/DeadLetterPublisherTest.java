package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter topic never holds metering up: with a broker that does not answer, handing dead letters over
 * returns at once, and each send gives up after the short bound instead of the Kafka producer's 60 s.
 */
class DeadLetterPublisherTest {

    @Test
    void an_unreachable_broker_neither_blocks_nor_fails_the_caller_and_each_send_gives_up_quickly() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String uri = "kafka:dead-letters?brokers=127.0.0.1:" + port
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer"
                + "&maxBlockMs=2000&requestTimeoutMs=5000&deliveryTimeoutMs=10000&retries=3";
        List<DeadLetterEntry> deadLetters = List.of(entry(1), entry(2), entry(3));
        try (DefaultCamelContext context = new DefaultCamelContext();
                DeadLetterPublisher publisher = new DeadLetterPublisher(context, uri)) {
            context.start();

            // before: the batch thread sent synchronously and blocked up to max.block.ms (60 s) per dead letter
            assertTimeoutPreemptively(Duration.ofMillis(500), () -> publisher.accept(deadLetters));

            // three sends of at most ~2 s each, not 3 x 60 s
            await().atMost(Duration.ofSeconds(20)).until(() -> publisher.droppedCount() == 3);
            assertThat(publisher.sentCount()).isZero();
        }
    }

    static DeadLetterEntry entry(long offset) {
        return new DeadLetterEntry(
                new KafkaCoordinates("signer", 0, offset),
                "k" + offset,
                null,
                "not JSON",
                "x".getBytes(StandardCharsets.UTF_8));
    }
}
