package io.livepeer.clearinghouse.routes.core;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * The health checks as a Prometheus gauge, {@code clearinghouse_health_up{check}}: 1 when the check (by its id, as in
 * {@code /observe/health}: {@code database}, {@code kafka}, {@code price}, {@code openmeter-delivery},
 * {@code remote-signer}, and Camel's {@code context} and {@code route-controller}) was UP at the last refresh, else
 * 0. the {@code health-metrics} {@link RefreshRoute} refreshes it on a timer, so a scrape reads cached values and never waits for a
 * database or broker timeout. A check appears after its first refresh.
 */
public final class HealthMetrics {

    private final CamelContext context;
    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> up = new ConcurrentHashMap<>();

    /**
     * @param context  whose registered health checks are read
     * @param registry where the gauges are registered
     */
    public HealthMetrics(CamelContext context, MeterRegistry registry) {
        this.context = context;
        this.registry = registry;
    }

    /** Calls every health check once and updates the gauges. */
    public void refresh() {
        for (HealthCheck.Result result : HealthCheckHelper.invoke(context)) {
            String id = result.getCheck().getId();
            up.computeIfAbsent(id, this::register).set(result.getState() == HealthCheck.State.UP ? 1 : 0);
        }
    }

    /** The state of each check at the last refresh: 1 up, 0 not. */
    public Map<String, Integer> states() {
        Map<String, Integer> states = new ConcurrentHashMap<>();
        up.forEach((id, value) -> states.put(id, value.get()));
        return Map.copyOf(states);
    }

    private AtomicInteger register(String check) {
        AtomicInteger value = new AtomicInteger();
        Gauge.builder("clearinghouse.health.up", value, AtomicInteger::get)
                .tag("check", check)
                .description("1 when the health check was UP at the last refresh")
                .register(registry);
        return value;
    }
}
