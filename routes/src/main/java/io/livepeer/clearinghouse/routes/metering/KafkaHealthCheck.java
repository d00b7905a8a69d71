package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.routes.core.HealthMessages;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Readiness: DOWN when the Kafka brokers do not answer a cluster description within 3 s. The answer is cached for
 * 10 s so that frequent probes do not load the brokers.
 */
public final class KafkaHealthCheck extends AbstractHealthCheck implements AutoCloseable {

    private static final Duration CACHE = Duration.ofSeconds(10);

    private final String brokers;
    private final KafkaClientProperties client;
    private Admin admin;
    private Instant checkedAt = Instant.MIN;
    private String failure;
    private int nodes;

    /**
     * @param brokers Kafka bootstrap servers
     * @param client  the operator's Kafka client properties (security)
     */
    public KafkaHealthCheck(String brokers, KafkaClientProperties client) {
        super("clearinghouse", "kafka");
        this.brokers = brokers;
        this.client = client;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (Instant.now().isAfter(checkedAt.plus(CACHE))) {
            probe();
        }
        builder.detail("brokers", brokers);
        if (failure == null) {
            builder.detail("nodes", nodes);
            builder.up();
        } else {
            builder.down().message(HealthMessages.safe("Kafka broker unreachable at " + brokers + ": " + failure));
        }
    }

    private void probe() {
        checkedAt = Instant.now();
        try {
            if (admin == null) {
                Properties props = new Properties();
                props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
                props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
                props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
                props.put(AdminClientConfig.CLIENT_ID_CONFIG, "clearinghouse-health");
                admin = Admin.create(client.applyTo(props));
            }
            nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                    .nodes()
                    .get(4, TimeUnit.SECONDS)
                    .size();
            failure = nodes == 0 ? "no broker in the cluster" : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        } catch (Exception e) {
            failure = e.getClass().getSimpleName()
                    + (e.getCause() == null
                            ? ""
                            : " (" + e.getCause().getClass().getSimpleName() + ")");
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}
