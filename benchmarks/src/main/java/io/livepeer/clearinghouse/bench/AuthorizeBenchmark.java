package io.livepeer.clearinghouse.bench;

import io.livepeer.clearinghouse.bridge.PathLatency;
import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.bridge.SpendLeases;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.routes.Clearinghouse;
import io.livepeer.clearinghouse.routes.ClearinghouseApp;
import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import io.livepeer.clearinghouse.testing.TestIssuer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load on {@code POST /authorize} over loopback, bodies shaped like go-livepeer's, with API keys and with JWTs:
 * the sustained rate with {@code --connections} closed-loop clients, and the latency at about {@code --rate}
 * requests/s. With {@code wrk} on the PATH (Debian package {@code wrk}) the load comes from wrk, a separate process
 * (the paced run uses wrk's Lua {@code delay()}); otherwise from an in-process Java client, which shares this JVM
 * and its cores with the server and so overstates latency.
 */
@Command(
        name = "authorize",
        mixinStandardHelpOptions = true,
        description = "Measure the /authorize webhook: sustained requests/s and p50/p99 at a fixed rate.")
public final class AuthorizeBenchmark implements Callable<Integer> {

    @Option(
            names = "--rate",
            defaultValue = "1000",
            description = "requests/s of the latency run (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--seconds", defaultValue = "20", description = "length of each run (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(
            names = "--connections",
            defaultValue = "16",
            description = "closed-loop clients of the throughput run (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(
            names = "--customers",
            defaultValue = "256",
            description = "customers sharing the load, each with its own credential and grant, as signers serve"
                    + " many (default: ${DEFAULT-VALUE})")
    int customers;

    @Option(
            names = "--sessions",
            defaultValue = "4",
            description = "live sessions per customer; every request is the next payment of one of them"
                    + " (default: ${DEFAULT-VALUE})")
    int sessions;

    @Option(
            names = "--one-customer",
            defaultValue = "true",
            fallbackValue = "true",
            arity = "0..1",
            description = "also run the worst case: all load on one customer with 64 sessions (API key only)"
                    + " (default: ${DEFAULT-VALUE})")
    boolean oneCustomer;

    @Option(
            names = "--modes",
            defaultValue = "api_key,oidc",
            split = ",",
            description = "credential modes to measure (default: ${DEFAULT-VALUE})")
    List<String> modes;

    @Option(
            names = "--paced-connections",
            defaultValue = "100",
            description = "wrk connections of the paced run; each waits a random 0.5-1.5 x (connections / rate) between"
                    + " its requests, so the measured rate stays near --rate unless answers take a sizeable part of"
                    + " that wait (default: ${DEFAULT-VALUE})")
    int pacedConnections;

    @Option(
            names = "--database",
            defaultValue = "h2",
            description = "h2 (a file database) or postgresql (an embedded PostgreSQL server, fsync on)"
                    + " (default: ${DEFAULT-VALUE})")
    String database;

    @Option(names = "--out", description = "also write the markdown report to this file")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final List<String[]> rows = new ArrayList<>();
    private SpendControl splitOf; // the server's spend control, for the per-path split of its reservation time

    /** The server's per-path reservation latency counts now (empty without spend control). */
    private Map<SpendControl.Path, PathLatency.Snapshot> paths() {
        Map<SpendControl.Path, PathLatency.Snapshot> m = new EnumMap<>(SpendControl.Path.class);
        if (splitOf != null) {
            for (SpendControl.Path p : SpendControl.Path.values()) {
                m.put(p, splitOf.pathLatency(p).snapshot());
            }
        }
        return m;
    }

    /**
     * One row per decision path of the calls between two snapshots: how many, and the server-side time of the
     * reservation (SpendControl.reserve, from its start to its decision) at p50 / p99 / max.
     */
    private void pathRows(
            String phase,
            String label,
            Map<SpendControl.Path, PathLatency.Snapshot> before,
            Map<SpendControl.Path, PathLatency.Snapshot> after) {
        if (before.isEmpty()) {
            return;
        }
        long total = 0;
        for (SpendControl.Path p : SpendControl.Path.values()) {
            total += after.get(p).minus(before.get(p)).count();
        }
        StringBuilder text = new StringBuilder();
        for (SpendControl.Path p : SpendControl.Path.values()) {
            PathLatency.Snapshot d = after.get(p).minus(before.get(p));
            if (d.count() == 0) {
                continue;
            }
            text.append(text.length() == 0 ? "" : "; ")
                    .append(String.format(
                            Locale.ROOT,
                            "%s %,d (%.2f %%): p50 %s, p99 %s, max %s",
                            p.name().toLowerCase(Locale.ROOT),
                            d.count(),
                            100.0 * d.count() / Math.max(1, total),
                            micros(d.percentileMicros(50)),
                            micros(d.percentileMicros(99)),
                            micros(d.percentileMicros(100))));
        }
        rows.add(new String[] {
            "reservation paths, " + phase + ", " + label,
            text.toString(),
            "server side (SpendControl.reserve), bucket upper bounds (within ~4 %); memory = decided against a budget"
                    + " lease, database = allowed by the exact path"
        });
        log.printf(Locale.ROOT, "%s, %s: %s%n", label, phase, text);
        SpendLeases leases = splitOf.leases();
        if (leases != null) {
            StringBuilder why = new StringBuilder();
            for (SpendLeases.Fallback f : SpendLeases.Fallback.values()) {
                why.append(why.length() == 0 ? "" : ", ")
                        .append(f.name().toLowerCase(Locale.ROOT))
                        .append(' ')
                        .append(leases.fallbacks(f));
            }
            long[] grants = leases.reservationLeases();
            why.append(String.format(
                    Locale.ROOT,
                    " (leases taken by database-path reservations: %d granted, %d declined, %d already open)",
                    grants[0],
                    grants[1],
                    grants[2]));
            long[] ends = leases.leaseEnds();
            why.append(String.format(
                    Locale.ROOT,
                    " (leases ended: %d idle, %d close to zero, %d paused or closing, %d rows lost)",
                    ends[0],
                    ends[1],
                    ends[2],
                    ends[3]));
            why.append(String.format(
                    Locale.ROOT,
                    " (in memory while a sync was under way past ttl: %d; light flushes that skipped a locked lease"
                            + " row: %d; syncs asked for by a short lease: %d)",
                    leases.graceAllows(),
                    leases.skippedFlushes(),
                    leases.askedSyncs()));
            PathLatency.Snapshot sync = leases.syncLatency().snapshot();
            rows.add(new String[] {
                "budget lease fallbacks and syncs (cumulative) after " + phase + ", " + label,
                "fallbacks: " + why + "; syncs " + sync.count() + ", " + leases.syncedCustomers()
                        + " customer writes, sync transaction p50 " + micros(sync.percentileMicros(50)) + ", p99 "
                        + micros(sync.percentileMicros(99)) + ", max " + micros(sync.percentileMicros(100)),
                "why calls took the database path; the background sync's transaction time"
            });
            log.printf(Locale.ROOT, "%s, %s: fallbacks %s; syncs %s%n", label, phase, why, sync.count());
        }
    }

    private PrintWriter log;

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("clearinghouse-authorize-bench");
        String secret = "bench-webhook-secret";
        boolean pg = database.equalsIgnoreCase("postgresql") || database.equalsIgnoreCase("postgres");
        if (!pg && !database.equalsIgnoreCase("h2")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--database must be h2 or postgresql, got " + database);
        }
        EmbeddedPostgres postgres = pg
                ? EmbeddedPostgres.builder()
                        .setDataDirectory(work.resolve("pg"))
                        .setCleanDataDirectory(true)
                        .start()
                : null;
        try (KafkaTestBroker kafka = KafkaTestBroker.start();
                TestIssuer issuer = TestIssuer.start()) {
            List<String[]> runs = new ArrayList<>(); // mode, customers, sessions
            for (String mode : modes) {
                runs.add(new String[] {mode, String.valueOf(customers), String.valueOf(sessions)});
            }
            if (oneCustomer) {
                runs.add(new String[] {"api_key", "1", "64"});
            }
            int run = 0;
            for (String[] r : runs) {
                String mode = r[0];
                int nCustomers = Integer.parseInt(r[1]);
                int nSessions = Integer.parseInt(r[2]);
                int port = Benchmark.freePort();
                Map<String, String> props = new HashMap<>();
                props.put("clearinghouse.kafka.brokers", kafka.bootstrapServers());
                String dbName = "authz_" + mode + "_" + run++;
                if (pg) {
                    try (java.sql.Connection c = postgres.getPostgresDatabase().getConnection();
                            java.sql.Statement st = c.createStatement()) {
                        st.execute("CREATE DATABASE " + dbName);
                    }
                    props.put("clearinghouse.jdbc.url", postgres.getJdbcUrl("postgres", dbName));
                    props.put("clearinghouse.jdbc.user", "postgres");
                    props.put("clearinghouse.jdbc.password", "postgres");
                } else {
                    props.put(
                            "clearinghouse.jdbc.url",
                            "jdbc:h2:file:" + work.resolve(dbName).toAbsolutePath());
                }
                props.put("clearinghouse.price.static", "3000");
                // reservations on (the default): every allow holds the next payment; with no metering in the
                // benchmark nothing settles them, so they expire quickly instead (about rate x 3 s stay open)
                props.put("clearinghouse.spend.hold-ttl", "2s");
                props.put("clearinghouse.spend.expiry-interval", "1s");
                // nothing meters the holds here, which spend control reads as metering lag after 60 s: under the
                // default policy (deny) every call would be refused from then on; allow keeps reserving
                props.put("clearinghouse.spend.metering-lag-policy", "allow");
                props.put("clearinghouse.bridge.webhook-secret", secret);
                props.put("clearinghouse.bridge.auth-mode", mode);
                props.put("clearinghouse.bridge.oidc.issuer", issuer.issuer());
                props.put("clearinghouse.bridge.oidc.audience", "livepeer-gateway");
                props.put("clearinghouse.bridge.oidc.jwks-uri", issuer.jwksUri());
                props.put("camel.server.host", "127.0.0.1");
                props.put("camel.server.port", String.valueOf(port));
                props.put("camel.management.host", "127.0.0.1");
                props.put("camel.management.port", String.valueOf(Benchmark.freePort()));
                try (ClearinghouseApp app = ClearinghouseApp.start(props)) {
                    Clearinghouse ch = app.services();
                    String[] credentials = new String[nCustomers];
                    for (int c = 0; c < nCustomers; c++) {
                        String subject = "user-" + c;
                        credentials[c] = mode.equals("api_key")
                                ? ch.bridge()
                                        .keys()
                                        .create("bench", subject, "external_user_id", null, null, null)
                                        .plaintext()
                                : issuer.token("livepeer-gateway", "bench", subject, Duration.ofHours(1), Map.of());
                        ch.ledger()
                                .post(new NewTransfer(
                                        "bench-credit-" + c,
                                        AccountKeys.GRANTS,
                                        AccountKeys.customer("bench:" + subject),
                                        new BigDecimal("1000000000"),
                                        TransferKind.GRANT,
                                        null,
                                        null,
                                        null));
                    }
                    // request n: the next payment of session (n / customers) % sessions of customer n % customers,
                    // so every allow makes a new hold, spread over customers as a signer serving many would
                    AtomicLong calls = new AtomicLong();
                    Supplier<HttpRequest> request = () -> {
                        long n = calls.getAndIncrement();
                        int c = (int) (n % nCustomers);
                        long perCustomer = n / nCustomers;
                        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/authorize"))
                                .header("Authorization", "Bearer " + secret)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body(
                                        credentials[c],
                                        "c" + c + "-s" + (perCustomer % nSessions),
                                        perCustomer / nSessions)))
                                .timeout(Duration.ofSeconds(5))
                                .build();
                    };
                    String label = (mode.equals("api_key") ? "API key" : "JWT (RS256)") + ", " + nCustomers
                            + (nCustomers == 1 ? " customer" : " customers") + " × " + nSessions + " sessions, "
                            + (pg ? "PostgreSQL" : "H2");
                    SpendControl spend = app.context().getRegistry().findSingleByType(SpendControl.class);
                    splitOf = spend;
                    Map<SpendControl.Path, PathLatency.Snapshot> cold = paths();
                    warmUp(request);
                    pathRows("warm-up (3,000 closed-loop calls, cold start)", label, cold, paths());
                    if (wrkAvailable()) {
                        // wrk generates the bodies in Lua the same way: every call is a new payment (a new hold)
                        wrk(port, secret, credentials, nSessions, label, work);
                    } else {
                        throughput(request, label);
                        latency(request, label);
                    }
                    SpendLeases leases = spend == null ? null : spend.leases();
                    if (leases != null) {
                        rows.add(new String[] {
                            "reservations decided in memory (budget leases), " + label,
                            String.format(
                                    Locale.ROOT,
                                    "%,d of %,d",
                                    leases.inMemoryAllows(),
                                    leases.inMemoryAllows() + leases.fallbacks()),
                            "the rest took the database path (first calls of a customer, before its lease); "
                                    + leases.syncFailures() + " failed syncs"
                        });
                    }
                }
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
        StringBuilder md = new StringBuilder("| measure | result | notes |\n|---|---|---|\n");
        rows.forEach(r -> md.append("| ")
                .append(r[0])
                .append(" | ")
                .append(r[1])
                .append(" | ")
                .append(r[2])
                .append(" |\n"));
        log.println();
        log.println(md);
        if (out != null) {
            Files.writeString(out, md.toString());
        }
        return 0;
    }

    private static boolean wrkAvailable() {
        try {
            return new ProcessBuilder("wrk", "--version")
                            .redirectErrorStream(true)
                            .start()
                            .waitFor()
                    >= 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * A saturating wrk run and a paced one (Lua delay per connection), both parsed from wrk's report. The Lua
     * {@code request()} builds call {@code n}'s body as the in-JVM client does (the next payment of session
     * {@code (n / customers) % sessions} of customer {@code n % customers}), under a session prefix of its own per
     * run, so every call is a new reservation, never a retry of an earlier one.
     */
    private void wrk(int port, String secret, String[] credentials, int nSessions, String label, Path work)
            throws Exception {
        String url = "http://127.0.0.1:" + port + "/authorize";
        Path saturate =
                Files.writeString(work.resolve("saturate.lua"), wrkScript(secret, credentials, nSessions, "w1-"));
        // each connection waits a random 0.5-1.5 x its share between requests: connections x 1 / rate on average,
        // spread so the connections do not send in bursts; the rate falls short only by latency / wait
        int wait = Math.max(2, pacedConnections * 1000 / rate);
        Path paced = Files.writeString(
                work.resolve("paced.lua"),
                wrkScript(secret, credentials, nSessions, "w2-") + "function delay() return math.random(" + (wait / 2)
                        + ", " + (wait + wait / 2) + ") end\n");
        Map<String, String> full = runWrk(saturate, connections, url);
        rows.add(new String[] {
            "sustained rate, " + label,
            full.get("rate") + " requests/s",
            "wrk, " + connections + " connections, " + seconds + " s; p50 " + full.get("50%") + ", p99 "
                    + full.get("99%")
        });
        Map<SpendControl.Path, PathLatency.Snapshot> before = paths();
        Map<String, String> steady = runWrk(paced, pacedConnections, url);
        pathRows("paced run", label, before, paths());
        String note = "wrk, " + pacedConnections + " connections paced to about " + rate + "/s (measured "
                + steady.get("rate") + "/s), " + seconds + " s";
        rows.add(new String[] {"measured rate of the paced run, " + label, steady.get("rate") + " requests/s", note});
        rows.add(new String[] {"latency p50 at ~" + rate + "/s, " + label, steady.get("50%"), note});
        rows.add(new String[] {"latency p99 at ~" + rate + "/s, " + label, steady.get("99%"), note});
        rows.add(new String[] {"latency max at ~" + rate + "/s, " + label, steady.get("max"), note});
        log.printf(
                Locale.ROOT,
                "%s: %s requests/s sustained; paced at %s/s p50 %s p99 %s%n",
                label,
                full.get("rate"),
                steady.get("rate"),
                steady.get("50%"),
                steady.get("99%"));
    }

    private Map<String, String> runWrk(Path script, int conns, String url) throws Exception {
        Process wrk = new ProcessBuilder(
                        "wrk", "-t1", "-c" + conns, "-d" + seconds + "s", "--latency", "-s", script.toString(), url)
                .redirectErrorStream(true)
                .start();
        String output = new String(wrk.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + output);
        }
        Map<String, String> result = new HashMap<>();
        for (String line : output.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Requests/sec:")) {
                result.put(
                        "rate",
                        String.format(
                                Locale.ROOT,
                                "%,.0f",
                                Double.parseDouble(t.substring(13).trim())));
            } else if (t.matches("(50|99)%\\s+\\S+")) {
                String[] parts = t.split("\\s+");
                result.put(parts[0], parts[1]);
            } else if (t.startsWith("Latency") && !t.startsWith("Latency Distribution")) {
                String[] parts = t.split("\\s+");
                result.put("max", parts[3]);
            } else if (t.startsWith("Denied:") && !t.equals("Denied: 0")) {
                throw new IllegalStateException("the webhook did not allow every call: " + t);
            } else if (t.startsWith("Non-2xx")) {
                throw new IllegalStateException("the webhook answered non-2xx: " + t);
            }
        }
        return result;
    }

    /** wrk's Lua: headers, the customers' credentials and a {@code request()} that makes each call's body. */
    static String wrkScript(String secret, String[] credentials, int nSessions, String prefix) {
        String marker = "\u0001";
        String[] parts = body(marker, marker, 987_654_321_987L)
                .replace("987654321987", marker)
                .split(marker, -1);
        StringBuilder lua = new StringBuilder()
                .append("wrk.method = \"POST\"\n")
                .append("wrk.headers[\"Authorization\"] = \"Bearer ")
                .append(secret)
                .append("\"\n")
                .append("wrk.headers[\"Content-Type\"] = \"application/json\"\n")
                .append("local creds = {");
        for (String c : credentials) {
            lua.append("[==[").append(c).append("]==],");
        }
        lua.append("}\nlocal p = {");
        for (String part : parts) {
            lua.append("[==[").append(part).append("]==],");
        }
        lua.append("}\nlocal sessions = ")
                .append(nSessions)
                .append("\nlocal n = 0\n")
                .append("request = function()\n")
                .append("  local c = n % #creds\n")
                .append("  local per = math.floor(n / #creds)\n")
                .append("  n = n + 1\n")
                .append("  local body = p[1] .. creds[c + 1] .. p[2] .. \"")
                .append(prefix)
                .append("c\" .. c .. \"-s\" .. (per % sessions) .. p[3] .. math.floor(per / sessions) .. p[4]\n")
                .append("  return wrk.format(nil, nil, nil, body)\n")
                .append("end\n")
                // every answer must be an allow: count the others and print them at the end
                .append("denied = 0\nlocal threads = {}\n")
                .append("function setup(thread) table.insert(threads, thread) end\n")
                .append("function response(status, headers, body)\n")
                .append("  if not string.find(body, '\"status\":200', 1, true) then denied = denied + 1 end\n")
                .append("end\n")
                .append("function done(summary, latency, requests)\n")
                .append("  local d = 0\n")
                .append("  for _, t in ipairs(threads) do d = d + t:get(\"denied\") end\n")
                .append("  print(\"Denied: \" .. d)\n")
                .append("end\n");
        return lua.toString();
    }

    static String body(String credential) {
        return body(credential, 3);
    }

    /** The webhook body of call {@code n}: payment {@code n / 64} of session {@code n % 64}. */
    static String body(String credential, long n) {
        return body(credential, "s" + (n % 64), n / 64);
    }

    /** The webhook body of payment {@code sequence} of live session {@code session}. */
    static String body(String credential, String session, long sequence) {
        return "{\"headers\":{\"Authorization\":[\"Bearer " + credential
                + "\"],\"Content-Type\":[\"application/json\"],"
                + "\"User-Agent\":[\"Go-http-client/1.1\"]},\"state\":{\"StateID\":\"" + session
                + "\",\"PMSessionID\":\"0x5f\","
                + "\"LastUpdate\":\"2026-08-20T10:00:00Z\",\"OrchestratorAddress\":\"0x1234\",\"App\":\"\","
                + "\"AuthExpiry\":0,\"SenderNonce\":7,\"Balance\":\"500\",\"InitialPricePerUnit\":1200,"
                + "\"InitialPixelsPerUnit\":1,\"Type\":\"live\",\"SequenceNumber\":" + sequence
                + ",\"AuthID\":\"\"}}";
    }

    private void warmUp(Supplier<HttpRequest> request) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 3000; i++) {
            HttpResponse<String> r = client.send(request.get(), HttpResponse.BodyHandlers.ofString());
            if (i == 0 && !r.body().contains("\"status\":200")) {
                throw new IllegalStateException("the webhook does not allow the benchmark customer: " + r.body());
            }
        }
    }

    private void throughput(Supplier<HttpRequest> request, String label) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long started = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            pool.submit(() -> {
                HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                while (System.nanoTime() < deadline) {
                    try {
                        HttpResponse<String> r = client.send(request.get(), HttpResponse.BodyHandlers.ofString());
                        (r.statusCode() == 200 ? done : failed).incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 30L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;
        rows.add(new String[] {
            "sustained rate, " + label,
            String.format(Locale.ROOT, "%,.0f requests/s", done.get() / elapsed),
            connections + " closed-loop clients for " + seconds + " s, " + failed.get() + " failed"
        });
        log.printf(Locale.ROOT, "%s: %,.0f requests/s sustained%n", label, done.get() / elapsed);
    }

    private void latency(Supplier<HttpRequest> request, String label) throws Exception {
        LatencyRecorder recorder = new LatencyRecorder(); // microseconds
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(8))
                .build();
        int total = rate * seconds;
        List<CompletableFuture<?>> inFlight = new ArrayList<>(total);
        AtomicLong failed = new AtomicLong();
        long started = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = started + TimeUnit.SECONDS.toNanos(i) / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            inFlight.add(client.sendAsync(request.get(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (e != null || r.statusCode() != 200) {
                            failed.incrementAndGet();
                        }
                        recorder.record((System.nanoTime() - due) / 1000);
                    })
                    .exceptionally(e -> null)); // a timed-out request counts as failed, the run goes on
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        String note = String.format(
                Locale.ROOT,
                "%,d requests at %d/s, from the scheduled send time; %d failed (5 s client timeout)",
                total,
                rate,
                failed.get());
        rows.add(new String[] {"latency p50 at " + rate + "/s, " + label, micros(recorder.percentile(50, 0)), note});
        rows.add(new String[] {"latency p99 at " + rate + "/s, " + label, micros(recorder.percentile(99, 0)), note});
        rows.add(new String[] {"latency max at " + rate + "/s, " + label, micros(recorder.percentile(100, 0)), note});
        log.printf(
                Locale.ROOT,
                "%s at %d/s: p50 %s, p99 %s%n",
                label,
                rate,
                micros(recorder.percentile(50, 0)),
                micros(recorder.percentile(99, 0)));
    }

    private static String micros(long value) {
        return String.format(Locale.ROOT, "%.2f ms", value / 1000.0);
    }
}
