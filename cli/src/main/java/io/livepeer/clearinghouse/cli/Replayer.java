package io.livepeer.clearinghouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.metering.KafkaClientProperties;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
 *
 * <p>With a retime instant, the usage times of every JSON object line are shifted by one offset so that the latest
 * lands on that instant (relative spacing kept): the envelope {@code timestamp} and {@code data.current_time},
 * {@code previous_time}, {@code current_time_unix}, {@code previous_time_unix}. Metering dead-letters usage older than
 * the backdating window of OpenMeter and Konnect (30 days), so an old capture, such as the shipped samples, is
 * replayed retimed to now; other lines are sent byte for byte.
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
        return replay(file, brokers, topic, ratePerSecond, null);
    }

    /**
     * Like {@link #replay(Path, String, String, int)}, with the usage times shifted so that the latest is
     * {@code retimeTo}.
     *
     * @param retimeTo where the latest usage time of the file lands, or null to send every line byte for byte
     */
    public static long replay(Path file, String brokers, String topic, int ratePerSecond, Instant retimeTo)
            throws IOException {
        return replay(file, brokers, topic, ratePerSecond, retimeTo, KafkaClientProperties.NONE);
    }

    /**
     * Like {@link #replay(Path, String, String, int, Instant)}, with the operator's Kafka client properties
     * (security: {@code KAFKA_CLIENT_PROPERTIES}) applied to the producer.
     */
    public static long replay(
            Path file, String brokers, String topic, int ratePerSecond, Instant retimeTo, KafkaClientProperties client)
            throws IOException {
        Duration shift = retimeTo == null ? Duration.ZERO : shiftTo(file, retimeTo);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        client.applyTo(props);
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
                producer.send(new ProducerRecord<>(topic, keyOf(line), shifted(line, shift)), (metadata, error) -> {
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

    /** The offset that moves the latest usage time of the file onto {@code to} (zero when the file has none). */
    static Duration shiftTo(Path file, Instant to) throws IOException {
        Instant latest = null;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                ObjectNode event = object(line);
                if (event == null) {
                    continue;
                }
                for (Instant t : new Instant[] {
                    millis(event.get("timestamp")), rfc3339(event.path("data").get("current_time"))
                }) {
                    if (t != null && (latest == null || t.isAfter(latest))) {
                        latest = t;
                    }
                }
            }
        }
        return latest == null ? Duration.ZERO : Duration.between(latest, to);
    }

    /** The line's bytes, with its usage times moved by {@code shift} when it is a JSON object. */
    static byte[] shifted(String line, Duration shift) {
        ObjectNode event = shift.isZero() ? null : object(line);
        if (event == null) {
            return line.getBytes(StandardCharsets.UTF_8);
        }
        Instant timestamp = millis(event.get("timestamp"));
        if (timestamp != null) {
            event.put("timestamp", String.valueOf(timestamp.plus(shift).toEpochMilli()));
        }
        if (event.get("data") instanceof ObjectNode data) {
            for (String field : new String[] {"current_time", "previous_time"}) {
                Instant t = rfc3339(data.get(field));
                if (t != null) {
                    data.put(field, t.plus(shift).toString());
                }
            }
            for (String field : new String[] {"current_time_unix", "previous_time_unix"}) {
                Instant t = millis(data.get(field));
                if (t != null) {
                    data.put(field, t.plus(shift).toEpochMilli());
                }
            }
        }
        try {
            return Json.mapper().writeValueAsBytes(event);
        } catch (IOException e) {
            return line.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static ObjectNode object(String line) {
        try {
            return Json.mapper().readTree(line) instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Instant millis(JsonNode node) {
        if (node == null || !(node.isTextual() || node.isIntegralNumber())) {
            return null;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(node.asText().trim()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Instant rfc3339(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (RuntimeException e) {
            return null;
        }
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
