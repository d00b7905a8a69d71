package io.livepeer.clearinghouse.routes.metering;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kafka client properties from an operator's file in the Kafka clients' own format (the file Kafka's tools take as
 * {@code --command-config}), applied to every Kafka client of the application: the metering consumer, the dead-letter
 * producer, the health check and the lag gauge's admin clients. This is how security is configured ({@code
 * security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}, …): secrets
 * stay in a file (a mounted secret), never in the command line or the log. {@link #toString()} names the keys only.
 *
 * <p>Camel's {@code CAMEL_COMPONENT_KAFKA_*} environment variables cannot carry these: camel-main 4.18 turns every
 * underscore into a dot, so {@code CAMEL_COMPONENT_KAFKA_SECURITY_PROTOCOL} becomes the unknown option
 * {@code security.protocol} of the component and is silently ignored.
 *
 * @param values the properties, in key order; empty without a file
 */
public record KafkaClientProperties(Map<String, String> values) {

    /** Keys the application sets itself (its own settings say where to connect and as which group). */
    static final Set<String> OWNED = Set.of("bootstrap.servers", "group.id", "enable.auto.commit");

    /** No file: Kafka's defaults (PLAINTEXT). */
    public static final KafkaClientProperties NONE = new KafkaClientProperties(Map.of());

    public KafkaClientProperties {
        values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /**
     * Reads a properties file (ISO-8859-1 escapes as {@link Properties#load(Reader)}, read as UTF-8).
     *
     * @param file the file; the setting's name is used in errors
     * @throws IllegalArgumentException when it cannot be read, or sets a key the application owns ({@link #OWNED})
     */
    public static KafkaClientProperties load(Path file, String setting) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    setting + ": cannot read the Kafka client properties file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (OWNED.contains(key)) {
                throw new IllegalArgumentException(setting + ": " + file + " sets " + key
                        + ", which the application sets itself (use KAFKA_BROKERS and KAFKA_GROUP_ID)");
            }
            values.put(key, properties.getProperty(key).trim());
        }
        return new KafkaClientProperties(values);
    }

    /** Adds these properties to a client's configuration (they win over the application's defaults). */
    public Properties applyTo(Properties client) {
        client.putAll(values);
        return client;
    }

    /** The keys only: values may be secrets ({@code sasl.jaas.config}, store passwords). */
    @Override
    public String toString() {
        return values.isEmpty() ? "none" : String.join(",", values.keySet());
    }
}
