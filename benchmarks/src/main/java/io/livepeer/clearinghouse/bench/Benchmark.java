package io.livepeer.clearinghouse.bench;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.routes.Clearinghouse;
import io.livepeer.clearinghouse.routes.ClearinghouseApp;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the real pipeline on this machine in one run (docs/benchmarks.md):
 * <ol>
 *   <li>load N signer events into an embedded Kafka broker;</li>
 *   <li>raw consumption rate of those events with a plain KafkaConsumer: the physical ceiling;</li>
 *   <li>pipeline throughput (Kafka → metering → outbox → a local HTTP sink) with H2 and with PostgreSQL;</li>
 *   <li>end-to-end latency p50/p99 at a steady rate (default 1,000 events/s), once one event has gone through (so
 *       the consumer's join is not counted), with the number of Kafka batches it took;</li>
 *   <li>peak heap of the whole JVM (broker and sink included: an upper bound for the pipeline).</li>
 * </ol>
 */
@Command(
        name = "benchmark",
        mixinStandardHelpOptions = true,
        subcommands = AuthorizeBenchmark.class,
        description = "Measure throughput, latency and heap of the metering pipeline on this machine.")
public final class Benchmark implements Callable<Integer> {

    @Option(names = "--events", defaultValue = "200000", description = "events to load (default: ${DEFAULT-VALUE})")
    int events;

    @Option(
            names = "--customers",
            defaultValue = "1000",
            description = "distinct customers the events are spread over (default: ${DEFAULT-VALUE})")
    int customers;

    @Option(names = "--partitions", defaultValue = "3", description = "topic partitions (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(
            names = "--databases",
            split = ",",
            defaultValue = "h2,postgresql",
            description = "databases for the throughput runs (default: ${DEFAULT-VALUE})")
    List<String> databases;

    @Option(
            names = "--fan-out",
            split = ",",
            defaultValue = "on,off",
            description = "ledger usage fan-out settings to measure the pipeline with (default: ${DEFAULT-VALUE})")
    List<String> fanOut;

    @Option(
            names = "--gap-tracking-cost",
            defaultValue = "true",
            negatable = true,
            description = "also run the pipeline with completeness (gap) tracking off, fan-out off, and report the"
                    + " cost of gap tracking (the other runs have it on, the default) (default: ${DEFAULT-VALUE})")
    boolean gapTrackingCost;

    @Option(
            names = "--hot-account-transfers",
            defaultValue = "4000",
            description = "transfers posted by 8 threads to one account, 0 to skip (default: ${DEFAULT-VALUE})")
    int hotAccountTransfers;

    @Option(
            names = "--rate",
            defaultValue = "1000",
            description = "events/s of the latency run (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(
            names = "--latency-seconds",
            defaultValue = "30",
            description = "length of the latency run, 0 to skip (default: ${DEFAULT-VALUE})")
    int latencySeconds;

    @Option(names = "--out", description = "also write the markdown report to this file")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final List<String[]> rows = new ArrayList<>();
    /** Figures the issue 10 targets are checked against, per database ("h2", "postgresql"). */
    private final Map<String, Double> fanOutCosts = new HashMap<>();

    private final Map<String, Double> fanOnRates = new HashMap<>();
    private final Map<String, Double> gapTrackingRates = new HashMap<>();
    private Long latencyP99;
    private String latencyDatabase;
    private PrintWriter log;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Benchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("clearinghouse-bench");
        log.printf(
                Locale.ROOT,
                "Benchmark: %d events over %d customers, %d partitions, %d cores, max heap %d MiB," + " work dir %s%n",
                events,
                customers,
                partitions,
                Runtime.getRuntime().availableProcessors(),
                HeapMeter.maxMiB(),
                work);
        eventCustomers = customers;
        HeapMeter heap = new HeapMeter();
        EmbeddedPostgres postgres = null;
        try (KafkaTestBroker kafka = KafkaTestBroker.start();
                HttpSink sink = new HttpSink()) {
            String topic = "bench-load";
            kafka.createTopic(topic, partitions);
            long produced = load(kafka.bootstrapServers(), topic, events, 0);
            double consumeRate = rawConsume(kafka.bootstrapServers(), topic, produced);
            row("raw Kafka consume (ceiling)", consumeRate, "plain KafkaConsumer, " + produced + " records");

            for (String db : databases) {
                boolean pg = db.equalsIgnoreCase("postgresql") || db.equalsIgnoreCase("postgres");
                if (pg && postgres == null) {
                    postgres = EmbeddedPostgres.builder()
                            .setDataDirectory(work.resolve("pg"))
                            .setCleanDataDirectory(true)
                            .start();
                }
                Double withoutFanOut = null;
                Double withFanOut = null;
                for (String mode : fanOut) {
                    boolean on = mode.equalsIgnoreCase("on");
                    Map<String, String> dbProps = databaseProperties(postgres, pg, work, "bench_" + rows.size());
                    dbProps.put("clearinghouse.ledger.usage-fan-out", String.valueOf(on));
                    double rate = pipeline(
                            kafka.bootstrapServers(),
                            topic,
                            produced,
                            sink,
                            dbProps,
                            db + (on ? ", ledger fan-out on" : ", ledger fan-out off"));
                    row(
                            "pipeline to HTTP sink, " + db + (on ? ", ledger fan-out on" : ", ledger fan-out off"),
                            rate,
                            String.format(Locale.ROOT, "%.0f%% of raw consume", 100 * rate / consumeRate));
                    if (on) {
                        withFanOut = rate;
                    } else {
                        withoutFanOut = rate;
                    }
                }
                if (withFanOut != null) {
                    fanOnRates.put(db.toLowerCase(Locale.ROOT), withFanOut);
                }
                if (withFanOut != null && withoutFanOut != null) {
                    fanOutCosts.put(db.toLowerCase(Locale.ROOT), 100 * (1 - withFanOut / withoutFanOut));
                    rows.add(new String[] {
                        "cost of the ledger fan-out, " + db,
                        String.format(Locale.ROOT, "%.0f%%", 100 * (1 - withFanOut / withoutFanOut)),
                        "throughput lost with fan-out on vs off"
                    });
                }
                if (gapTrackingCost) {
                    Map<String, String> dbProps = databaseProperties(postgres, pg, work, "bench_" + rows.size());
                    dbProps.put("clearinghouse.ledger.usage-fan-out", "false");
                    dbProps.put("clearinghouse.metering.track-sequences", "false");
                    double untracked = pipeline(
                            kafka.bootstrapServers(),
                            topic,
                            produced,
                            sink,
                            dbProps,
                            db + ", ledger fan-out off, gap tracking off");
                    row(
                            "pipeline to HTTP sink, " + db + ", ledger fan-out off, gap tracking off",
                            untracked,
                            String.format(Locale.ROOT, "%.0f%% of raw consume", 100 * untracked / consumeRate));
                    if (withoutFanOut != null) {
                        gapTrackingRates.put(db.toLowerCase(Locale.ROOT), withoutFanOut);
                        rows.add(new String[] {
                            "metering throughput with gap tracking on, " + db,
                            String.format(Locale.ROOT, "%.0f events/s", withoutFanOut),
                            String.format(
                                    Locale.ROOT,
                                    "fan-out off; cost of gap tracking %.0f%% (vs %.0f events/s off)",
                                    100 * (1 - withoutFanOut / untracked),
                                    untracked)
                        });
                    }
                }
                if (hotAccountTransfers > 0) {
                    hotAccount(databaseProperties(postgres, pg, work, "bench_hot_" + rows.size()), db);
                }
            }

            if (latencySeconds > 0) {
                Map<String, String> dbProps = new HashMap<>();
                if (postgres != null) {
                    dbProps.put("clearinghouse.jdbc.url", newPostgresDatabase(postgres, "bench_latency"));
                    dbProps.put("clearinghouse.jdbc.user", "postgres");
                    dbProps.put("clearinghouse.jdbc.password", "postgres");
                } else {
                    dbProps.put(
                            "clearinghouse.jdbc.url",
                            "jdbc:h2:file:" + work.resolve("h2-latency").toAbsolutePath());
                }
                latency(kafka.bootstrapServers(), sink, dbProps, postgres != null ? "postgresql" : "h2");
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
        heap.close();
        rows.add(new String[] {
            "peak heap used (whole JVM: broker, sink, pipeline)",
            heap.peakUsedMiB() + " MiB",
            "sampled every 20 ms; -Xmx " + HeapMeter.maxMiB() + " MiB"
        });
        rows.add(new String[] {
            "peak heap live after GC (whole JVM)", heap.peakLiveMiB() + " MiB", "what the JVM really needed"
        });
        String report = report();
        log.println();
        log.println(report);
        if (out != null) {
            Files.writeString(out, report, StandardCharsets.UTF_8);
        }
        return 0;
    }

    private long load(String brokers, String topic, int count, int ratePerSecond) throws Exception {
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(brokers)) {
            for (int i = 0; i < count; i++) {
                String id = UUID.randomUUID().toString();
                producer.send(new ProducerRecord<>(topic, id, event(id, i, System.currentTimeMillis())));
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.printf(Locale.ROOT, "loaded %d events in %.1f s (%.0f/s)%n", count, seconds, count / seconds);
        return count;
    }

    private double rawConsume(String brokers, String topic, long expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> assignment = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                assignment.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            long seen = 0;
            long bytes = 0;
            long started = System.nanoTime();
            while (seen < expected) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (var r : records) {
                    bytes += r.value().length;
                }
                seen += records.count();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            log.printf(Locale.ROOT, "raw consume: %d records (%.1f MiB) in %.2f s%n", seen, bytes / 1048576.0, seconds);
            return seen / seconds;
        }
    }

    private double pipeline(
            String brokers, String topic, long expected, HttpSink sink, Map<String, String> dbProps, String label)
            throws Exception {
        sink.reset(null);
        try (ClearinghouseApp app =
                ClearinghouseApp.start(appProperties(brokers, topic, "bench-" + UUID.randomUUID(), sink, dbProps))) {
            Clearinghouse ch = app.services();
            long t0 = waitFor(() -> ch.metrics().consumedCount(), 1, Duration.ofSeconds(60));
            long tMetered =
                    waitFor(() -> ch.metrics().meteredCount(), expected, Duration.ofSeconds(expected / 500 + 120));
            long tDone = waitFor(sink::events, expected, Duration.ofSeconds(expected / 500 + 120));
            double seconds = (tDone - t0) / 1e9;
            var batches = ch.metrics().batchTimer();
            log.printf(
                    Locale.ROOT,
                    "pipeline %s: %d events metered in %.2f s, delivered in %.2f s (%d requests);"
                            + " %d Kafka batches of %.0f records on average, %.2f s spent storing them%n",
                    label,
                    expected,
                    (tMetered - t0) / 1e9,
                    seconds,
                    sink.requests(),
                    batches.count(),
                    (double) expected / Math.max(1, batches.count()),
                    batches.totalTime(TimeUnit.NANOSECONDS) / 1e9);
            return expected / seconds;
        }
    }

    private void latency(String brokers, HttpSink sink, Map<String, String> dbProps, String label) throws Exception {
        String topic = "bench-latency";
        LatencyRecorder recorder = new LatencyRecorder();
        int total = rate * latencySeconds;
        int warmup = rate * Math.min(5, Math.max(1, latencySeconds / 6));
        int batchesBefore;
        double storeSecondsBefore;
        String[] batchRow;
        try (ClearinghouseApp app =
                        ClearinghouseApp.start(appProperties(brokers, topic, "bench-latency", sink, dbProps));
                KafkaProducer<String, byte[]> producer = producer(brokers)) {
            // the pipeline runs before the paced events start (in production it runs before events flow): one event
            // through to the sink, so the consumer group's join and the first transaction are not measured as latency
            sink.reset(null);
            String primer = UUID.randomUUID().toString();
            producer.send(new ProducerRecord<>(topic, primer, event(primer, total, System.currentTimeMillis())));
            producer.flush();
            waitFor(sink::events, 1, Duration.ofSeconds(120));
            sink.reset(recorder);
            var batches = app.services().metrics().batchTimer();
            batchesBefore = (int) batches.count();
            storeSecondsBefore = batches.totalTime(TimeUnit.NANOSECONDS) / 1e9;
            long started = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = started + TimeUnit.SECONDS.toNanos(i) / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String id = UUID.randomUUID().toString();
                producer.send(new ProducerRecord<>(topic, id, event(id, i, System.currentTimeMillis())));
            }
            producer.flush();
            waitFor(sink::events, total, Duration.ofSeconds(120));
            var after = app.services().metrics().batchTimer();
            int count = (int) after.count() - batchesBefore;
            double storing = after.totalTime(TimeUnit.NANOSECONDS) / 1e9 - storeSecondsBefore;
            batchRow = new String[] {
                "latency run: Kafka batches",
                String.format(Locale.ROOT, "%,d of %.0f events on average", count, (double) total / Math.max(1, count)),
                String.format(
                        Locale.ROOT,
                        "%.0f ms metering and storing each on average (the consumer thread was busy %.0f%% of the run)",
                        1000 * storing / Math.max(1, count),
                        100 * storing / latencySeconds)
            };
        }
        String detail = String.format(
                Locale.ROOT, "%d events at %d/s on %s, first %d (warm-up) excluded", total, rate, label, warmup);
        rows.add(new String[] {"end-to-end latency p50", recorder.percentile(50, warmup) + " ms", detail});
        rows.add(new String[] {"end-to-end latency p99", recorder.percentile(99, warmup) + " ms", detail});
        latencyP99 = recorder.percentile(99, warmup);
        latencyDatabase = label;
        rows.add(new String[] {"end-to-end latency max", recorder.percentile(100, warmup) + " ms", detail});
        rows.add(batchRow);
        log.printf(
                Locale.ROOT,
                "latency: p50 %d ms, p99 %d ms, max %d ms%n",
                recorder.percentile(50, warmup),
                recorder.percentile(99, warmup),
                recorder.percentile(100, warmup));
    }

    private Map<String, String> databaseProperties(EmbeddedPostgres postgres, boolean pg, Path work, String name)
            throws Exception {
        Map<String, String> props = new HashMap<>();
        if (pg) {
            props.put("clearinghouse.jdbc.url", newPostgresDatabase(postgres, name));
            props.put("clearinghouse.jdbc.user", "postgres");
            props.put("clearinghouse.jdbc.password", "postgres");
        } else {
            props.put(
                    "clearinghouse.jdbc.url",
                    "jdbc:h2:file:" + work.resolve(name).toAbsolutePath());
            props.put("clearinghouse.jdbc.user", "sa");
            props.put("clearinghouse.jdbc.password", "");
        }
        return props;
    }

    /** 8 threads post grants to one customer account: every transfer updates the same balance row. */
    private void hotAccount(Map<String, String> dbProps, String label) throws Exception {
        int threads = 8;
        int perThread = Math.max(1, hotAccountTransfers / threads);
        try (Database db = Database.open(new DatabaseConfig(
                dbProps.get("clearinghouse.jdbc.url"),
                dbProps.get("clearinghouse.jdbc.user"),
                dbProps.get("clearinghouse.jdbc.password"),
                threads + 2))) {
            Ledger ledger = new Ledger(db, java.time.Clock.systemUTC());
            ledger.post(new NewTransfer(
                    "warm-up",
                    AccountKeys.GRANTS,
                    "customer:hot",
                    BigDecimal.ONE,
                    TransferKind.GRANT,
                    null,
                    null,
                    null));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        ledger.post(new NewTransfer(
                                "hot-" + thread + "-" + i,
                                AccountKeys.GRANTS,
                                "customer:hot",
                                new BigDecimal("0.000001"),
                                TransferKind.GRANT,
                                null,
                                null,
                                null));
                    }
                    return null;
                }));
            }
            long started = System.nanoTime();
            go.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            pool.shutdown();
            int total = threads * perThread;
            row(
                    "single hot account, " + label,
                    total / seconds,
                    "transfers/s",
                    threads + " threads, " + total + " transfers, each its own transaction");
            log.printf(Locale.ROOT, "hot account %s: %d transfers in %.2f s%n", label, total, seconds);
        }
    }

    private Map<String, String> appProperties(
            String brokers, String topic, String group, HttpSink sink, Map<String, String> dbProps) {
        Map<String, String> p = new HashMap<>();
        p.put("clearinghouse.kafka.brokers", brokers);
        p.put("clearinghouse.kafka.topic", topic);
        p.put("clearinghouse.kafka.group-id", group);
        p.put("clearinghouse.price.static", "3000");
        p.put("clearinghouse.price.oracle-url", "");
        p.put("clearinghouse.openmeter.url", sink.baseUrl());
        p.put("clearinghouse.openmeter.token", "");
        p.put("camel.server.host", "127.0.0.1");
        p.put("camel.server.port", String.valueOf(freePort()));
        p.put("camel.management.host", "127.0.0.1");
        p.put("camel.management.port", String.valueOf(freePort()));
        p.putAll(dbProps);
        return p;
    }

    private static long waitFor(LongSupplier value, long target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (value.getAsLong() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out at " + value.getAsLong() + " of " + target);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return System.nanoTime();
    }

    private static KafkaProducer<String, byte[]> producer(String brokers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static final String[] PIPELINES = {"live-video-to-video", "live", "fixed"};
    private static int eventCustomers = 1000;

    /** A go-livepeer-shaped create_signed_ticket; {@code --customers} customers over 50 clients, three pipelines. */
    public static byte[] event(String id, int i, long timeMillis) {
        String time = Instant.ofEpochMilli(timeMillis).toString();
        String json = "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"timestamp\":\"" + timeMillis
                + "\",\"gateway\":\"\",\"data\":{\"app\":\"bench\",\"auth_id\":\"client-" + (i % 50) + ":user-"
                + (i % eventCustomers) + "\",\"billable_secs\":10,\"computed_fee\":\"" + (1_000_000_000_000L + i)
                + "\",\"cost\":\"0.8571428571\",\"current_time\":\"" + time + "\",\"current_time_unix\":" + timeMillis
                + ",\"manifest_id\":\"m-" + (i % 100) + "\",\"num_tickets\":1,\"orch_address\":"
                + "\"0x1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5\",\"orch_url\":\"https://orch.example:8935\","
                + "\"pipeline\":\"" + PIPELINES[i % 3] + "\",\"pixels\":0,\"pm_session_id\":\"0x5f\","
                + "\"previous_time\":\"" + time + "\",\"previous_time_unix\":" + timeMillis + ",\"request_id\":\""
                + String.format("%08x", i) + "\",\"sequence_number\":" + (i % 10) + ",\"session_balance\":\"0\","
                + "\"session_id\":\"" + String.format("%08x", i / 10) + "\",\"session_status\":\"continuing\"}}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static String newPostgresDatabase(EmbeddedPostgres postgres, String name) throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return postgres.getJdbcUrl("postgres", name);
    }

    private void row(String what, double perSecond, String note) {
        row(what, perSecond, "events/s", note);
    }

    private void row(String what, double perSecond, String unit, String note) {
        rows.add(new String[] {what, String.format(Locale.ROOT, "%,.0f %s", perSecond, unit), note});
    }

    private String report() {
        StringBuilder md = new StringBuilder("| measure | result | notes |\n|---|---|---|\n");
        for (String[] r : rows) {
            md.append("| ")
                    .append(r[0])
                    .append(" | ")
                    .append(r[1])
                    .append(" | ")
                    .append(r[2])
                    .append(" |\n");
        }
        md.append("\nTargets (issue 10), from this run:\n\n| target | measured | met |\n|---|---|---|\n");
        target(
                md,
                "ledger fan-out cost, PostgreSQL <= 15 %",
                percent(fanOutCosts.get("postgresql")),
                cost("postgresql", 15));
        target(md, "ledger fan-out cost, H2 <= 30 %", percent(fanOutCosts.get("h2")), cost("h2", 30));
        Double pgRate = fanOnRates.get("postgresql");
        target(
                md,
                "pipeline, PostgreSQL, fan-out on >= 12,000 events/s",
                pgRate == null ? null : String.format(Locale.ROOT, "%,.0f events/s", pgRate),
                pgRate == null ? null : pgRate >= 12_000);
        boolean latencyOnPg = latencyP99 != null && "postgresql".equals(latencyDatabase) && rate == 1000;
        target(
                md,
                "end-to-end p99 at 1,000 events/s, PostgreSQL <= 300 ms",
                latencyOnPg ? latencyP99 + " ms" : null,
                latencyOnPg ? latencyP99 <= 300 : null);
        for (String db : List.of("postgresql", "h2")) {
            Double gap = gapTrackingRates.get(db);
            target(
                    md,
                    "metering throughput with gap tracking on, " + db + " (reported, no threshold)",
                    gap == null ? null : String.format(Locale.ROOT, "%,.0f events/s", gap),
                    null);
        }
        return md.toString();
    }

    private Boolean cost(String db, double maxPercent) {
        Double cost = fanOutCosts.get(db);
        return cost == null ? null : cost <= maxPercent;
    }

    private static String percent(Double value) {
        return value == null ? null : String.format(Locale.ROOT, "%.0f %%", value);
    }

    /** A row of the targets table: "not measured" when this run did not measure it (options, databases). */
    private static void target(StringBuilder md, String what, String measured, Boolean met) {
        md.append("| ")
                .append(what)
                .append(" | ")
                .append(measured == null ? "not measured in this run" : measured)
                .append(" | ")
                .append(measured == null ? "" : met == null ? "—" : met ? "yes" : "**no**")
                .append(" |\n");
    }

    /** A free loopback port (also used by {@link AuthorizeBenchmark}). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
