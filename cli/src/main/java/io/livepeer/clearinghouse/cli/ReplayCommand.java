package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.routes.metering.KafkaClientProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code replay FILE}: produce a JSONL file of signer events to the signer topic. */
@Command(
        name = "replay",
        description = "Produce the lines of a JSONL file of signer events to the signer topic (one record per line).",
        mixinStandardHelpOptions = true)
final class ReplayCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "JSONL file, e.g. samples/signer-events.jsonl")
    Path file;

    @Option(
            names = "--brokers",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $KAFKA_BROKERS or 127.0.0.1:9092)")
    String brokers;

    @Option(names = "--topic", description = "topic (default: $KAFKA_GATEWAY_TOPIC or livepeer-gateway-events)")
    String topic;

    @Option(
            names = "--rate",
            paramLabel = "N",
            defaultValue = "0",
            description = "records per second, 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(
            names = "--retime",
            description = "shift the usage times so that the latest is now (spacing kept): metering dead-letters"
                    + " usage older than its backdating window (30 days); without it every line is sent byte for byte")
    boolean retime;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*) as the application's"
                    + " KAFKA_CLIENT_PROPERTIES file (default: $KAFKA_CLIENT_PROPERTIES, none)")
    Path kafkaConfig;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        String servers = brokers != null ? brokers : env("KAFKA_BROKERS", "127.0.0.1:9092");
        String target = topic != null ? topic : env("KAFKA_GATEWAY_TOPIC", "livepeer-gateway-events");
        String clientFile = kafkaConfig != null ? kafkaConfig.toString() : env("KAFKA_CLIENT_PROPERTIES", "");
        KafkaClientProperties client = clientFile.isEmpty()
                ? KafkaClientProperties.NONE
                : KafkaClientProperties.load(Path.of(clientFile), "--kafka-config");
        long sent = Replayer.replay(file, servers, target, rate, retime ? java.time.Instant.now() : null, client);
        spec.commandLine()
                .getOut()
                .println("replayed " + sent + " record(s) from " + file + " to " + target + " at " + servers);
        return 0;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
