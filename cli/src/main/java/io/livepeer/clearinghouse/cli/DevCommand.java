package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.Clearinghouse;
import io.livepeer.clearinghouse.routes.ClearinghouseApp;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.payouts.PayoutCycle;
import io.livepeer.clearinghouse.routes.payouts.PayoutPlan;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dev}: the whole pipeline on one machine with nothing installed: an embedded Kafka broker on 127.0.0.1, an
 * H2 file database and a static demo price, all under {@code ./data}. Replays the sample signer events, waits until
 * they are consumed, prints the usage summary, then keeps running (or exits with {@code --once}).
 */
@Command(
        name = "dev",
        description = {
            "Run everything locally on embedded defaults and print the usage summary.",
            "Kafka on 127.0.0.1, H2 under ./data and a static demo price; replays the sample signer events.",
            "Set OPENMETER_URL (and OPENMETER_API_KEY) to deliver to OpenMeter / Konnect as well."
        },
        mixinStandardHelpOptions = true)
final class DevCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;

    @Option(names = "--data-dir", defaultValue = "data", description = "state directory (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(
            names = "--samples",
            paramLabel = "FILE",
            description = "JSONL signer events to replay (default: samples/signer-events.jsonl of the installation)")
    Path samples;

    @Option(names = "--no-samples", description = "do not replay any sample events")
    boolean noSamples;

    @Option(names = "--replay", description = "replay the samples even if this data directory already has them")
    boolean replayAgain;

    @Option(names = "--once", description = "exit after printing the summary instead of running on")
    boolean once;

    @Option(
            names = "--kafka-port",
            defaultValue = "9092",
            description = "embedded Kafka port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--http-port", defaultValue = "8080", description = "API port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(
            names = "--management-port",
            defaultValue = "9876",
            description = "health and metrics port (default: ${DEFAULT-VALUE})")
    int managementPort;

    @Option(
            names = "--timeout",
            defaultValue = "120",
            description = "seconds to wait for the samples (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        Path samplesFile = noSamples ? null : samples != null ? samples : defaultSamples();
        if (samplesFile != null && !Files.isRegularFile(samplesFile)) {
            throw new IllegalArgumentException(
                    "no sample file at " + samplesFile + " (use --samples FILE or --no-samples)");
        }
        Files.createDirectories(dataDir);
        out.println(
                "Starting embedded Kafka on 127.0.0.1:" + kafkaPort + " (data in " + dataDir.resolve("kafka") + ")");
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, kafkaPort, kafkaPort + 1);
        ClearinghouseApp app = null;
        try {
            String topic = env("KAFKA_GATEWAY_TOPIC", "livepeer-gateway-events");
            kafka.ensureTopic(topic, 1);
            Map<String, String> overrides = overrides(kafka, topic);
            app = ClearinghouseApp.start(overrides);
            Clearinghouse ch = app.services();
            out.println("Clearinghouse running: API http://localhost:" + httpPort + ", health http://localhost:"
                    + managementPort + "/observe/health");
            if (overrides.containsKey("clearinghouse.api.admin-token")) {
                out.println("Admin token for this dev run (set CLEARINGHOUSE_ADMIN_TOKEN to choose your own): "
                        + overrides.get("clearinghouse.api.admin-token"));
            }
            if (overrides.containsKey("clearinghouse.bridge.webhook-secret")) {
                out.println("Webhook secret for this dev run (set WEBHOOK_SECRET to choose your own): "
                        + overrides.get("clearinghouse.bridge.webhook-secret"));
            }
            if (samplesFile != null) {
                Path marker = dataDir.resolve("samples-replayed.sha256");
                String digest = sha256(samplesFile);
                if (!replayAgain
                        && Files.exists(marker)
                        && Files.readString(marker).trim().equals(digest)) {
                    out.println("Samples already replayed into " + dataDir + " (use --replay to send them again)");
                } else {
                    // retimed to now: the samples' fixed dates would be older than metering's backdating window
                    long sent =
                            Replayer.replay(samplesFile, kafka.bootstrapServers(), topic, 0, java.time.Instant.now());
                    Files.writeString(marker, digest + System.lineSeparator());
                    out.println("Replayed " + sent + " sample record(s) from " + samplesFile);
                }
                waitUntilConsumed(kafka.bootstrapServers(), topic, ch.metering().groupId(), ch);
                waitForDelivery(ch);
            }
            OrchestratorStore orchestrators = app.context().getRegistry().findSingleByType(OrchestratorStore.class);
            Path orchestratorSamples =
                    (samplesFile != null ? samplesFile : defaultSamples()).resolveSibling("orchestrators.json");
            if (!noSamples && orchestrators != null && Files.isRegularFile(orchestratorSamples)) {
                OpsRegistryImport.Report registered =
                        new OpsRegistryImport(orchestrators).run(List.of(orchestratorSamples));
                out.println("Registered " + registered.imported().size() + " sample orchestrator(s) from "
                        + orchestratorSamples);
                registered.errors().forEach(e -> out.println("  refused: " + e));
            }
            SummaryReport.print(
                    ch,
                    out,
                    httpPort,
                    managementPort,
                    overrides.getOrDefault("clearinghouse.api.admin-token", "$CLEARINGHOUSE_ADMIN_TOKEN"));
            if (orchestrators != null) {
                out.println();
                out.println("Orchestrators (health polled every minute on one instance; earnings in the ledger,"
                        + " wei shown as ETH)");
                OrchestratorsCommand.printTable(out, orchestrators, orchestrators.list());
                out.println("Orchestrators API: curl -H 'Authorization: Bearer "
                        + overrides.getOrDefault("clearinghouse.api.admin-token", "$CLEARINGHOUSE_ADMIN_TOKEN")
                        + "' http://localhost:" + httpPort + "/api/orchestrators");
            }
            printPayoutPlan(app);
            out.flush();
            if (once) {
                return 0;
            }
            out.println();
            out.println("Running. Point a go-livepeer remote signer at it with:");
            out.println("  -monitor -kafkaBootstrapServers " + kafka.bootstrapServers() + " -kafkaGatewayTopic " + topic
                    + " -remoteSignerWebhookUrl http://127.0.0.1:" + httpPort + "/authorize"
                    + " -remoteSignerWebhookHeaders 'Authorization:Bearer "
                    + ch.bridge().settings().webhookSecret().orElse("$WEBHOOK_SECRET") + "'");
            out.println("Ctrl-C stops.");
            runUntilInterrupted(ch);
            return 0;
        } finally {
            if (app != null) {
                app.close();
            }
            kafka.close();
        }
    }

    private Map<String, String> overrides(EmbeddedKafka kafka, String topic) {
        Map<String, String> o = new HashMap<>();
        // camel-main's dev profile: application-dev.properties over application.properties (loopback hosts, demo
        // price, H2 under ./data); below only what this run decides (broker, --data-dir, ports, generated tokens)
        o.put(ClearinghouseApp.PROFILE_KEY, "dev");
        o.put("clearinghouse.kafka.brokers", kafka.bootstrapServers());
        o.put("clearinghouse.kafka.topic", topic);
        if (System.getenv("JDBC_URL") == null) {
            o.put(
                    "clearinghouse.jdbc.url",
                    "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("clearinghouse"));
        }
        if (System.getenv("CLEARINGHOUSE_ADMIN_TOKEN") == null) {
            // dev only: production refuses the admin API until an operator sets a token
            o.put(
                    "clearinghouse.api.admin-token",
                    "dev-" + java.util.HexFormat.of().formatHex(randomBytes()));
        }
        if (System.getenv("WEBHOOK_SECRET") == null) {
            o.put(
                    "clearinghouse.bridge.webhook-secret",
                    "dev-webhook-" + java.util.HexFormat.of().formatHex(randomBytes()));
        }
        o.put("camel.server.port", String.valueOf(httpPort));
        o.put("camel.management.port", String.valueOf(managementPort));
        return o;
    }

    /**
     * The payout plan the scheduled cycle acts on (docs/payouts.md): in dev a dry run unless PAYOUTS_UNATTENDED=true;
     * ETH_RPC_URL is optional (without it nothing can be sent).
     */
    private void printPayoutPlan(ClearinghouseApp app) throws Exception {
        PayoutCycle cycle = Beans.require(app.context(), PayoutCycle.class);
        PayoutPlan plan = cycle.preview();
        out.println();
        out.println("Payouts ("
                + (cycle.unattended() ? "unattended: the scheduled cycle pays" : "dry run: nothing is sent") + "): "
                + plan.entries().size() + " payout(s), " + plan.totalWei() + " wei, plan hash " + plan.hash());
        for (PayoutPlan.Entry e : plan.entries()) {
            out.println("  would pay " + e.amountWei() + " wei to " + e.orchestratorId() + " (" + e.address() + ")");
        }
        for (PayoutPlan.Skip s : plan.skipped()) {
            out.println("  skip " + s.orchestratorId() + " (" + s.reason() + ", balance " + s.balanceWei() + " wei)");
        }
    }

    private void waitUntilConsumed(String brokers, String topic, String groupId, Clearinghouse ch) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
        String last = "";
        try (Admin admin = Admin.create(props)) {
            long end = admin
                    .listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest()))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .values()
                    .stream()
                    .mapToLong(i -> i.offset())
                    .sum();
            while (true) {
                long committed = admin
                        .listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS)
                        .entrySet()
                        .stream()
                        .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset())
                        .sum();
                String line = SummaryReport.progressLine(ch);
                if (!line.equals(last)) {
                    out.println("progress: " + line);
                    last = line;
                }
                if (committed >= end) {
                    return;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the sample events were not consumed within " + timeoutSeconds
                            + " s (committed " + committed + " of " + end + "); see the log above and "
                            + "http://localhost:" + managementPort + "/observe/health");
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
        }
    }

    private void waitForDelivery(Clearinghouse ch) throws Exception {
        if (!ch.delivery().enabled()) {
            return;
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (ch.outbox().pendingCount() > 0
                && Instant.now().isBefore(deadline)
                && ch.delivery().status().consecutiveFailures() == 0) {
            TimeUnit.MILLISECONDS.sleep(250);
        }
        out.println("progress: " + SummaryReport.progressLine(ch));
    }

    private void runUntilInterrupted(Clearinghouse ch) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "dev-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String last = "";
        while (!stop.await(10, TimeUnit.SECONDS)) {
            String line = SummaryReport.progressLine(ch);
            if (!line.equals(last)) {
                out.println("progress: " + line);
                last = line;
            }
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static Path defaultSamples() {
        String home = System.getenv("CLEARINGHOUSE_HOME");
        return (home == null ? Path.of(".") : Path.of(home)).resolve("samples").resolve("signer-events.jsonl");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
