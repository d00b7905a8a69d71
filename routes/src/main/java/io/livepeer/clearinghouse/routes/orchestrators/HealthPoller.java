package io.livepeer.clearinghouse.routes.orchestrators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.orchestrators.HealthObservation;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorHealthStore;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorHealthStore.Transition;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One health cycle over every registered orchestrator (the livepeer-ops backend's {@code _collect_health_summary}
 * plus its eligibility rules), run by the clustered job {@code orchestrators-health} on one instance per period:
 *
 * <ol>
 *   <li>a fresh forwarder snapshot ({@code 0 <= now - reported_at <= TTL}) with a {@code data.summary} object is used
 *       instead of polling (source = the snapshot's source);</li>
 *   <li>else, with a {@code health_url}: {@code GET} it ({@code Accept: application/json}, timeout
 *       {@code health_timeout} or the default), concurrently with the other orchestrators; the payload must be a JSON
 *       object with a {@code summary} object ({@code services_up}, {@code total_services}, {@code overall_uptime},
 *       {@code eligible_for_payment}); monitored services missing from {@code services} are noted in the sample;</li>
 *   <li>else the orchestrator is not observed this cycle.</li>
 * </ol>
 * Each observation goes through {@link OrchestratorHealthStore#recordCycle} (sample, contact, misses → cooldown,
 * healthy → cleared); then the sample history is pruned. A poll never throws: a timeout, refused connection, HTTP
 * error or unreadable payload is an unreachable observation (a miss).
 */
public final class HealthPoller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthPoller.class);
    private static final int MAX_SUMMARY = 8000;

    private final OrchestratorStore store;
    private final OrchestratorHealthStore health;
    private final OrchestratorsSettings settings;
    private final OrchestratorsMetrics metrics;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient http;

    public HealthPoller(
            OrchestratorStore store,
            OrchestratorHealthStore health,
            OrchestratorsSettings settings,
            OrchestratorsMetrics metrics,
            Clock clock) {
        this.store = store;
        this.health = health;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "orchestrator-health-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.defaultTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build(); // its own threads: the poll pool blocks in send()
    }

    /**
     * One cycle.
     *
     * @return what it did
     */
    public Cycle runOnce() throws SQLException {
        List<Orchestrator> all = store.list();
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        for (Orchestrator o : all) {
            pending.add(CompletableFuture.supplyAsync(() -> observeAndRecord(o), executor));
        }
        int observed = 0;
        int healthy = 0;
        int misses = 0;
        int cooldowns = 0;
        int failures = 0;
        for (CompletableFuture<Outcome> f : pending) {
            Outcome outcome = f.join();
            switch (outcome) {
                case SKIPPED -> {}
                case FAILED -> failures++;
                default -> {
                    observed++;
                    if (outcome == Outcome.HEALTHY) {
                        healthy++;
                    } else if (outcome == Outcome.MISS || outcome == Outcome.MISS_COOLDOWN) {
                        misses++;
                    }
                    if (outcome == Outcome.MISS_COOLDOWN) {
                        cooldowns++;
                    }
                }
            }
        }
        int pruned = health.prune(settings.historyRetention(), settings.historyMaxSamples());
        Cycle cycle = new Cycle(all.size(), observed, healthy, misses, cooldowns, failures, pruned);
        LOG.debug("Orchestrator health cycle: {}", cycle);
        return cycle;
    }

    private enum Outcome {
        SKIPPED,
        HEALTHY,
        NEUTRAL,
        MISS,
        MISS_COOLDOWN,
        FAILED
    }

    private Outcome observeAndRecord(Orchestrator o) {
        try {
            HealthObservation observation = observe(o);
            if (observation == null) {
                return Outcome.SKIPPED;
            }
            metrics.polled(observation);
            Transition t =
                    health.recordCycle(o.orchestratorId(), observation, settings.missThreshold(), settings.cooldown());
            if (t == Transition.COOLDOWN_STARTED) {
                metrics.cooldownStarted();
                LOG.warn(
                        "Orchestrator {} missed {} health cycles in a row: cooldown for {} (not eligible for credit)",
                        o.orchestratorId(),
                        settings.missThreshold(),
                        settings.cooldown());
                return Outcome.MISS_COOLDOWN;
            }
            if (t == Transition.COOLDOWN_CLEARED) {
                LOG.info("Orchestrator {} is healthy again: cooldown cleared", o.orchestratorId());
            }
            return observation.healthy() ? Outcome.HEALTHY : observation.miss() ? Outcome.MISS : Outcome.NEUTRAL;
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Health cycle of orchestrator {} failed: {}", o.orchestratorId(), e.getMessage());
            return Outcome.FAILED;
        }
    }

    /** The observation of this cycle: the fresh snapshot, a poll, or null (nothing to observe). */
    HealthObservation observe(Orchestrator o) {
        Orchestrator.ForwarderHealth snapshot = o.forwarderHealth();
        if (snapshot != null && snapshot.fresh(clock.instant(), settings.forwarderTtl())) {
            JsonNode data = parse(snapshot.data());
            if (data != null && data.path("summary").isObject()) {
                return fromPayload(snapshot.source(), data, o, null, text(data.path("ip")));
            }
        }
        if (o.healthUrl() == null || o.healthUrl().isBlank()) {
            return null;
        }
        return poll(o);
    }

    private HealthObservation poll(Orchestrator o) {
        Duration timeout = o.healthTimeout() == null
                ? settings.defaultTimeout()
                : Duration.ofMillis(o.healthTimeout().movePointRight(3).longValue());
        String host = null;
        long started = System.nanoTime();
        try {
            URI uri = URI.create(o.healthUrl());
            host = uri.getHost();
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(timeout)
                            .header("Accept", "application/json")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            long latency = (System.nanoTime() - started) / 1_000_000;
            if (response.statusCode() != 200) {
                return HealthObservation.unreachable("health_url", latency, "HTTP " + response.statusCode(), host);
            }
            JsonNode payload = parse(response.body());
            if (payload == null || !payload.path("summary").isObject()) {
                return HealthObservation.unreachable(
                        "health_url", latency, "the payload is not a JSON object with a summary", host);
            }
            HealthObservation observation = fromPayload("health_url", payload, o, latency, host);
            return observation;
        } catch (HttpTimeoutException e) {
            return HealthObservation.unreachable(
                    "health_url", (System.nanoTime() - started) / 1_000_000, "timed out after " + timeout, host);
        } catch (IOException | IllegalArgumentException e) {
            return HealthObservation.unreachable(
                    "health_url",
                    (System.nanoTime() - started) / 1_000_000,
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                    host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HealthObservation.unreachable("health_url", null, "interrupted", host);
        }
    }

    private static HealthObservation fromPayload(
            String source, JsonNode payload, Orchestrator o, Long latencyMs, String contactIp) {
        JsonNode summary = payload.path("summary");
        ObjectNode kept = summary.deepCopy();
        if (!o.monitoredServices().isEmpty()) {
            JsonNode services = payload.path("services");
            var missing = kept.putArray("missing_monitored_services");
            for (String name : o.monitoredServices()) {
                if (!services.has(name)) {
                    missing.add(name);
                }
            }
        }
        String text = kept.toString();
        return new HealthObservation(
                source,
                true,
                integer(summary.path("services_up")),
                integer(summary.path("total_services")),
                decimal(summary.path("overall_uptime")),
                summary.path("eligible_for_payment").isBoolean()
                        ? summary.get("eligible_for_payment").asBoolean()
                        : null,
                latencyMs,
                null,
                text.length() > MAX_SUMMARY ? null : text,
                contactIp);
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            JsonNode node = Metadata.JSON.readTree(json);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Integer integer(JsonNode n) {
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            return n.asInt();
        }
        if (n.isTextual() && n.asText().matches("\\d{1,9}")) {
            return Integer.parseInt(n.asText());
        }
        return null;
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n.isNumber()) {
            return n.decimalValue();
        }
        return null;
    }

    private static String text(JsonNode n) {
        return n.isTextual() && n.asText().length() <= 64 ? n.asText() : null;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /**
     * A cycle's result.
     *
     * @param orchestrators registered
     * @param observed      polled or read from a snapshot
     * @param healthy       with a service up
     * @param misses        every service down or unreachable
     * @param cooldowns     cooldowns started
     * @param failures      cycles that could not be recorded (database)
     * @param pruned        samples removed by retention
     */
    public record Cycle(
            int orchestrators, int observed, int healthy, int misses, int cooldowns, int failures, int pruned) {}
}
