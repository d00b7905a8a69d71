package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.time.Duration;
import java.util.Optional;

/**
 * The delivery flow's settings ({@code clearinghouse.openmeter.*}). {@link #toString()} never shows the token and
 * shows only the OpenMeter host.
 *
 * @param openmeterUrl         OpenMeter base URL, empty = delivery disabled
 * @param openmeterToken       bearer token (secret)
 * @param batchSize            events per OpenMeter request (≤ {@value #MAX_BATCH})
 * @param parallelRequests     OpenMeter requests in flight at most
 * @param deliveryPollInterval how often the outbox is polled
 * @param initialBackoff       first retry delay after a retryable failure
 * @param maxBackoff           retry delay cap
 * @param requestTimeout       connect and response timeout of one OpenMeter request
 * @param claimLease           how long a delivery pass holds the events it claimed (more than twice
 *                             {@code requestTimeout}): a killed instance's events are taken over after it
 */
public record DeliverySettings(
        Optional<String> openmeterUrl,
        Optional<String> openmeterToken,
        int batchSize,
        int parallelRequests,
        Duration deliveryPollInterval,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration requestTimeout,
        Duration claimLease) {

    /** Upper bound of events per OpenMeter request: the safe contract across metering vendors. */
    public static final int MAX_BATCH = 100;

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static DeliverySettings from(SettingsReader r) {
        DeliverySettings settings = new DeliverySettings(
                r.optionalHttpUrl("clearinghouse.openmeter.url"),
                r.optional("clearinghouse.openmeter.token"),
                r.positiveInt("clearinghouse.openmeter.batch-size"),
                r.positiveInt("clearinghouse.openmeter.parallel-requests"),
                r.duration("clearinghouse.openmeter.poll-interval"),
                r.duration("clearinghouse.openmeter.initial-backoff"),
                r.duration("clearinghouse.openmeter.max-backoff"),
                Duration.ofMillis(r.positiveInt("clearinghouse.http.timeout-ms")),
                r.duration("clearinghouse.openmeter.claim-lease"));
        if (settings.batchSize() > MAX_BATCH) {
            throw new IllegalArgumentException("clearinghouse.openmeter.batch-size must be at most " + MAX_BATCH
                    + ", got " + settings.batchSize());
        }
        if (settings.claimLease().compareTo(settings.requestTimeout().multipliedBy(2)) <= 0) {
            throw new IllegalArgumentException("clearinghouse.openmeter.claim-lease must be more than twice"
                    + " clearinghouse.http.timeout-ms ("
                    + settings.requestTimeout().toMillis() + " ms), got "
                    + settings.claimLease());
        }
        return settings;
    }

    /** Whether events are delivered to OpenMeter (a URL is configured). */
    public boolean deliveryEnabled() {
        return openmeterUrl.isPresent();
    }

    @Override
    public String toString() {
        return "DeliverySettings[openmeter="
                + openmeterUrl.map(SettingsReader::host).orElse("disabled")
                + (openmeterToken.isPresent() ? " (token set)" : "") + ", batch " + batchSize + ", "
                + parallelRequests + " in flight]";
    }
}
