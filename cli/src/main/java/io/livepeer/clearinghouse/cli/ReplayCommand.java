package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.routes.metering.KafkaClientProperties;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replay}: two ways in, chosen by the arguments. {@code replay FILE} produces a JSONL file of signer events to
 * the signer topic (the application then meters them). {@code replay --from-offset P:O | --from-time T [--to-time T]
 * [--dry-run]} re-consumes a range of the signer topic itself through the application's metering, outside its
 * consumer group ({@link TopicReplay}).
 */
@Command(
        name = "replay",
        description = {
            "replay FILE: produce the lines of a JSONL file of signer events to the signer topic (one record per line).",
            "replay --from-offset P:O | --from-time T [--to-time T] [--dry-run]: re-consume a range of the signer topic"
                    + " through the application's metering (its settings, catalog and database), without joining its"
                    + " consumer group or committing offsets. Event ids already billed are counted as duplicates and"
                    + " never written again; new events are written to the outbox for the running application to"
                    + " deliver. --dry-run prints what would be metered, dead-lettered or skipped and writes nothing.",
            "Exits 0, 4 on invalid input (no such topic or partition, no price, a setting), 1 on an error, 64 on a bad"
                    + " option."
        },
        mixinStandardHelpOptions = true)
final class ReplayCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "FILE",
            description =
                    "JSONL file to produce, e.g. samples/signer-events.jsonl (not with --from-offset/--from-time)")
    Path file;

    @Option(
            names = "--from-offset",
            paramLabel = "P:O",
            split = ",",
            description = "re-consume partition P from offset O (repeatable or comma-separated; only these partitions"
                    + " are read)")
    List<String> fromOffsets;

    @Option(
            names = "--from-time",
            paramLabel = "INSTANT",
            description = "re-consume every partition from its first record at or after this Kafka record time"
                    + " (ISO-8601, e.g. 2026-08-20T10:00:00Z)")
    Instant fromTime;

    @Option(
            names = "--to-time",
            paramLabel = "INSTANT",
            description = "stop before the first record at or after this time (default: the end of each partition when"
                    + " the replay starts)")
    Instant toTime;

    @Option(names = "--dry-run", description = "with --from-…: print what would be stored, write nothing")
    boolean dryRun;

    @Mixin
    DatabaseOptions database;

    @Mixin
    MeteringOptions meteringOptions;

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
            description = "replay FILE: records per second, 0 = as fast as possible (default: ${DEFAULT-VALUE})")
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
        boolean fromTopic = fromOffsets != null || fromTime != null;
        if (fromTopic) {
            return replayTopic();
        }
        if (file == null) {
            throw usage("give a FILE to produce, or --from-offset P:O / --from-time T to re-consume the topic");
        }
        if (toTime != null || dryRun) {
            throw usage("--to-time and --dry-run only apply to --from-offset / --from-time");
        }
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

    /** {@code replay --from-…}: the topic range through the application's metering. */
    private int replayTopic() throws Exception {
        if (file != null) {
            throw usage("give either a FILE or --from-offset/--from-time, not both");
        }
        if (fromOffsets != null && fromTime != null) {
            throw usage("give either --from-offset or --from-time, not both");
        }
        if (rate != 0 || retime) {
            throw usage("--rate and --retime only apply to replay FILE");
        }
        Map<Integer, Long> offsets = fromOffsets == null ? null : offsets(fromOffsets);
        if (toTime != null && fromTime != null && !fromTime.isBefore(toTime)) {
            throw usage("--from-time must be before --to-time");
        }
        Properties overrides = new Properties();
        if (brokers != null) {
            overrides.setProperty("clearinghouse.kafka.brokers", brokers);
        }
        if (topic != null) {
            overrides.setProperty("clearinghouse.kafka.topic", topic);
        }
        if (kafkaConfig != null) {
            overrides.setProperty("clearinghouse.kafka.client-properties-file", kafkaConfig.toString());
        }
        MeteringSettings settings = MeteringOptions.settings(overrides);
        Clock clock = Clock.systemUTC();
        OfflineMetering metering = MeteringOptions.metering(settings, meteringOptions.price(clock));
        Properties consumer = new Properties();
        consumer.put("bootstrap.servers", settings.kafkaBrokers());
        settings.kafkaClient().applyTo(consumer);
        PrintWriter out = spec.commandLine().getOut();
        try (Database db = database.open()) {
            TopicReplay replay = new TopicReplay(
                    consumer, settings.topic(), metering, db, MeteringOptions.recorder(settings, db, clock), clock);
            TopicReplay.Report report = replay.run(new TopicReplay.Start(offsets, fromTime, toTime), dryRun);
            out.println((dryRun ? "Dry run, nothing written: " : "Replayed: ") + report.summary() + ".");
            for (TopicReplay.Range r : report.ranges) {
                out.println("  " + settings.topic() + "/" + r.partition() + " offsets " + r.from() + " to " + r.to()
                        + " (" + r.size() + " record(s))");
            }
            if (!report.lines.isEmpty()) {
                out.println("| record | outcome | event id | detail |");
                out.println("|---|---|---|---|");
                report.lines.forEach(l -> out.println("| " + l.source() + " | " + l.outcome() + " | "
                        + (l.eventId() == null ? "" : l.eventId()) + " | " + clip(l.detail()) + " |"));
                if (report.records > report.lines.size()) {
                    out.println("… and " + (report.records - report.lines.size()) + " more");
                }
            }
        }
        return ExitCodes.OK;
    }

    /** {@code P:O} values as partition → offset. */
    private Map<Integer, Long> offsets(List<String> values) {
        Map<Integer, Long> offsets = new TreeMap<>();
        for (String value : values) {
            String[] parts = value.trim().split(":", -1);
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                int partition = Integer.parseInt(parts[0].trim());
                long offset = Long.parseLong(parts[1].trim());
                if (partition < 0 || offset < 0) {
                    throw new NumberFormatException();
                }
                if (offsets.put(partition, offset) != null) {
                    throw usage("--from-offset names partition " + partition + " twice");
                }
            } catch (NumberFormatException e) {
                throw usage("--from-offset must be PARTITION:OFFSET (non-negative whole numbers), got '" + value + "'");
            }
        }
        return offsets;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    static String clip(String detail) {
        String oneLine = detail == null ? "" : detail.replaceAll("\\s+", " ").replace("|", "\\|");
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "…";
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
