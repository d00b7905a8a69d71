package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.SignerStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The signer bridge's Prometheus metrics:
 * <ul>
 *   <li>{@code clearinghouse_authorize_decisions_total{status}}: webhook decisions by status (200, 401, 403, 483, 503;
 *       the caller's own errors negative: -400, -401, -413, -503), each present from the start</li>
 *   <li>{@code clearinghouse_authorize_seconds}: webhook latency (histogram, p50/p99)</li>
 *   <li>{@code clearinghouse_authorize_key_cache_total{result}}: API key lookups answered from the cache or not</li>
 *   <li>{@code clearinghouse_signer_up}, {@code clearinghouse_signer_last_seen_seconds}: the remote signer probe;
 *       {@code clearinghouse_signer_probe_enabled}: 1 when it runs ({@code SIGNER_URL})</li>
 * </ul>
 */
public final class BridgeMetrics {

    private final MeterRegistry registry;
    private final Timer latency;

    /** The decision statuses counted from the start (others appear when first seen). */
    static final List<Integer> KNOWN_STATUSES = List.of(200, 401, 403, 483, 503, -400, -401, -413, -503);

    /** Without the signer probe. */
    public BridgeMetrics(MeterRegistry registry, ApiKeyVerifier keyVerifier, SignerStatus signer) {
        this(registry, keyVerifier, signer, false);
    }

    /**
     * @param registry     where the meters are registered
     * @param keyVerifier  the API key cache, or null
     * @param signer       the signer probe's status
     * @param probeEnabled whether the signer probe runs ({@code SIGNER_URL} set)
     */
    public BridgeMetrics(
            MeterRegistry registry, ApiKeyVerifier keyVerifier, SignerStatus signer, boolean probeEnabled) {
        this.registry = registry;
        for (int status : KNOWN_STATUSES) {
            registry.counter("clearinghouse.authorize.decisions", "status", String.valueOf(status));
        }
        Gauge.builder("clearinghouse.signer.probe.enabled", () -> probeEnabled ? 1 : 0)
                .description("1 when the remote signer is probed (SIGNER_URL is set)")
                .register(registry);
        this.latency = Timer.builder("clearinghouse.authorize")
                .description("/authorize webhook latency")
                .publishPercentiles(0.5, 0.99)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
        if (keyVerifier != null) {
            FunctionCounter.builder(
                            "clearinghouse.authorize.key.cache",
                            keyVerifier,
                            v -> v.stats().hitCount())
                    .tag("result", "hit")
                    .description("API key lookups answered from the cache")
                    .register(registry);
            FunctionCounter.builder(
                            "clearinghouse.authorize.key.cache",
                            keyVerifier,
                            v -> v.stats().missCount())
                    .tag("result", "miss")
                    .description("API key lookups answered from the cache")
                    .register(registry);
        }
        Gauge.builder("clearinghouse.signer.up", signer, s -> s.up() ? 1 : 0)
                .description("1 when the last probe of the remote signer succeeded")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.signer.last.seen.seconds",
                        signer,
                        s -> s.lastSeenAt() == null
                                ? -1
                                : Duration.between(s.lastSeenAt(), Instant.now())
                                        .toSeconds())
                .description("seconds since the remote signer last answered, -1 if never")
                .register(registry);
    }

    /** Records one decision. */
    public void decision(int status, long nanos) {
        registry.counter("clearinghouse.authorize.decisions", "status", String.valueOf(status))
                .increment();
        latency.record(Duration.ofNanos(nanos));
    }

    /** Decisions with a status so far. */
    public long decisions(int status) {
        var counter = registry.find("clearinghouse.authorize.decisions")
                .tag("status", String.valueOf(status))
                .counter();
        return counter == null ? 0 : (long) counter.count();
    }
}
