package io.livepeer.clearinghouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces a JSONL file of signer events to a Kafka topic, one record per non-blank line, byte for byte (malformed
 * lines included: they exercise the dead letters). The record key is the envelope {@code id} when the line has one,
 * as go-livepeer does.
 */
public final class Replayer {

    private Replayer() {}

    /**
     * @param file          JSONL file
     * @param brokers       bootstrap servers
     * @param topic         topic
     * @param ratePerSecond records per second, 0 for as fast as possible
     * @return records sent and acknowledged by Kafka
     * @throws IOException when the file cannot be read, or when Kafka did not accept every record: the message counts
     *     them and names the first refused line (e.g. a line over the producer's 1 MB request limit)
     */
    public static long replay(Path file, String brokers, String topic, int ratePerSecond) throws IOException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        long sent = 0;
        long lineNumber = 0;
        long started = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> firstRefusal =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
                BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                long thisLine = lineNumber;
                producer.send(
                        new ProducerRecord<>(topic, keyOf(line), line.getBytes(StandardCharsets.UTF_8)),
                        (metadata, error) -> {
                            if (error != null) {
                                refused.incrementAndGet();
                                firstRefusal.compareAndSet(null, "line " + thisLine + ": " + error.getMessage());
                            }
                        });
                sent++;
                if (ratePerSecond > 0) {
                    long due = started + TimeUnit.SECONDS.toNanos(sent) / ratePerSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
            producer.flush();
            if (refused.get() > 0) {
                throw new IOException(refused.get() + " of " + sent + " record(s) from " + file
                        + " were not accepted by Kafka at " + brokers + "; first refused at " + firstRefusal.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("replay interrupted after " + sent + " records", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IOException("Kafka at " + brokers + " did not accept the records: " + e.getMessage(), e);
        }
        return sent;
    }

    private static String keyOf(String line) {
        try {
            JsonNode node = Json.mapper().readTree(line);
            JsonNode id = node == null ? null : node.get("id");
            return id != null && id.isTextual() && !id.asText().isBlank() ? id.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
