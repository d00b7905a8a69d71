package io.livepeer.clearinghouse.routes;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

/**
 * Typed view of the {@code clearinghouse.*} configuration ({@code application.properties}, overridden by environment
 * variables; reference in {@code docs/configuration.md}). Values are checked once at start-up and a bad value fails
 * the start with a message naming the key. {@link #toString()} never shows secrets.
 *
 * @param kafkaBrokers         Kafka bootstrap servers
 * @param topic                signer topic
 * @param groupId              consumer group
 * @param maxPollRecords       records per batch at most
 * @param pollTimeoutMs        Kafka poll timeout, ms
 * @param batchingIntervalMs   a partial batch is processed after this long, ms
 * @param deadLetterTopic      optional topic that also receives dead letters
 * @param jdbcUrl              JDBC URL
 * @param jdbcUser             JDBC user
 * @param jdbcPassword         JDBC password (secret)
 * @param jdbcPoolSize         connection pool size
 * @param staticPrice          static ETH/USD price
 * @param oracleUrl            price oracle URL (may carry an API key: secret)
 * @param oracleRefresh        oracle refresh period
 * @param oracleRetry          delay before retrying a failed oracle call
 * @param priceStaleAfter      a price older than this is reported stale
 * @param cloudEventSource     CloudEvent source
 * @param catalogFile          catalog file, empty for the shipped reference catalog
 * @param maxFeeWei            larger fees are dead-lettered
 * @param maxFutureSkew        usage times further ahead are dead-lettered
 * @param openmeterUrl         OpenMeter base URL, empty = delivery disabled
 * @param openmeterToken       bearer token (secret)
 * @param batchSize            events per OpenMeter request (≤ 100)
 * @param parallelRequests     OpenMeter requests in flight at most
 * @param deliveryPollInterval how often the outbox is polled
 * @param initialBackoff       first retry delay after a retryable failure
 * @param maxBackoff           retry delay cap
 * @param usageFanOut          whether metered usage is also posted to the credit ledger
 * @param adminToken           operator API admin token (secret)
 * @param viewerToken          operator API read-only token (secret)
 */
public record Settings(
        String kafkaBrokers,
        String topic,
        String groupId,
        int maxPollRecords,
        int pollTimeoutMs,
        int batchingIntervalMs,
        Optional<String> deadLetterTopic,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        int jdbcPoolSize,
        Optional<BigDecimal> staticPrice,
        Optional<String> oracleUrl,
        Duration oracleRefresh,
        Duration oracleRetry,
        Duration priceStaleAfter,
        String cloudEventSource,
        Optional<String> catalogFile,
        BigInteger maxFeeWei,
        Duration maxFutureSkew,
        Optional<String> openmeterUrl,
        Optional<String> openmeterToken,
        int batchSize,
        int parallelRequests,
        Duration deliveryPollInterval,
        Duration initialBackoff,
        Duration maxBackoff,
        boolean usageFanOut,
        Optional<String> adminToken,
        Optional<String> viewerToken) {

    /** Upper bound of events per OpenMeter request: the safe contract across metering vendors. */
    public static final int MAX_BATCH = 100;

    /**
     * Reads and checks the configuration.
     *
     * @throws IllegalArgumentException naming the key of a missing or malformed value
     */
    public static Settings from(CamelContext context) {
        Reader r = new Reader(context.getPropertiesComponent());
        Settings settings = new Settings(
                r.required("clearinghouse.kafka.brokers"),
                r.required("clearinghouse.kafka.topic"),
                r.required("clearinghouse.kafka.group-id"),
                r.positiveInt("clearinghouse.kafka.max-poll-records"),
                r.positiveInt("clearinghouse.kafka.poll-timeout-ms"),
                r.positiveInt("clearinghouse.kafka.batching-interval-ms"),
                r.optional("clearinghouse.kafka.dead-letter-topic"),
                r.required("clearinghouse.jdbc.url"),
                r.optional("clearinghouse.jdbc.user").orElse(""),
                r.optional("clearinghouse.jdbc.password").orElse(""),
                r.positiveInt("clearinghouse.jdbc.pool-size"),
                r.optional("clearinghouse.price.static").map(v -> positiveDecimal("clearinghouse.price.static", v)),
                r.optional("clearinghouse.price.oracle-url").map(v -> httpUrl("clearinghouse.price.oracle-url", v)),
                r.duration("clearinghouse.price.oracle-refresh"),
                r.duration("clearinghouse.price.oracle-retry"),
                r.duration("clearinghouse.price.stale-after"),
                r.required("clearinghouse.metering.source"),
                r.optional("clearinghouse.metering.catalog-file"),
                new BigInteger(r.required("clearinghouse.metering.max-fee-wei")),
                r.duration("clearinghouse.metering.max-future-skew"),
                r.optional("clearinghouse.openmeter.url").map(v -> httpUrl("clearinghouse.openmeter.url", v)),
                r.optional("clearinghouse.openmeter.token"),
                r.positiveInt("clearinghouse.openmeter.batch-size"),
                r.positiveInt("clearinghouse.openmeter.parallel-requests"),
                r.duration("clearinghouse.openmeter.poll-interval"),
                r.duration("clearinghouse.openmeter.initial-backoff"),
                r.duration("clearinghouse.openmeter.max-backoff"),
                r.bool("clearinghouse.ledger.usage-fan-out"),
                r.optional("clearinghouse.api.admin-token"),
                r.optional("clearinghouse.api.viewer-token"));
        if (settings.batchSize() > MAX_BATCH) {
            throw new IllegalArgumentException("clearinghouse.openmeter.batch-size must be at most " + MAX_BATCH
                    + ", got " + settings.batchSize());
        }
        return settings;
    }

    /** Whether events are delivered to OpenMeter (a URL is configured). */
    public boolean deliveryEnabled() {
        return openmeterUrl.isPresent();
    }

    @Override
    public String toString() {
        return "Settings[kafka=" + kafkaBrokers + " topic=" + topic + " group=" + groupId
                + ", jdbc=" + io.livepeer.clearinghouse.ledger.Database.redactUrl(jdbcUrl)
                + ", price=" + (oracleUrl.isPresent() ? "oracle " + host(oracleUrl.get())
                : staticPrice.map(p -> "static " + p.toPlainString()).orElse("none"))
                + ", openmeter=" + openmeterUrl.map(Settings::host).orElse("disabled")
                + (openmeterToken.isPresent() ? " (token set)" : "")
                + ", ledger fan-out " + (usageFanOut ? "on" : "off")
                + ", api tokens: " + (adminToken.isPresent() ? "admin" : "no admin")
                + (viewerToken.isPresent() ? " + viewer" : "") + "]";
    }

    /** Scheme and authority only: safe to log for URLs that may carry keys in their query. */
    public static String host(String url) {
        try {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getAuthority();
        } catch (IllegalArgumentException e) {
            return "<unparseable URL>";
        }
    }

    private static BigDecimal positiveDecimal(String key, String value) {
        try {
            BigDecimal decimal = new BigDecimal(value.trim());
            if (decimal.signum() <= 0) {
                throw new IllegalArgumentException(key + " must be positive, got " + value);
            }
            return decimal;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a decimal number, got '" + value + "'");
        }
    }

    private static String httpUrl(String key, String value) {
        String url = value.trim();
        try {
            URI uri = URI.create(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException(key + " must be an http(s) URL, got " + host(url));
            }
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(key)) {
                throw e;
            }
            throw new IllegalArgumentException(key + " is not a valid URL");
        }
        return url;
    }

    private record Reader(PropertiesComponent properties) {

        Optional<String> optional(String key) {
            return properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
        }

        String required(String key) {
            return optional(key).orElseThrow(() -> new IllegalArgumentException(key + " is required"));
        }

        int positiveInt(String key) {
            String value = required(key);
            try {
                int parsed = Integer.parseInt(value);
                if (parsed <= 0) {
                    throw new IllegalArgumentException(key + " must be positive, got " + value);
                }
                return parsed;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'");
            }
        }

        boolean bool(String key) {
            String value = required(key).toLowerCase();
            if (!value.equals("true") && !value.equals("false")) {
                throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
            }
            return Boolean.parseBoolean(value);
        }

        Duration duration(String key) {
            String value = required(key);
            try {
                return value.startsWith("P") || value.startsWith("p")
                        ? Duration.parse(value) : Duration.ofMillis(TimeUtils.toMilliSeconds(value));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(key + " must be a duration such as 500ms, 30s, 5m or PT5M, got '"
                        + value + "'");
            }
        }
    }
}
