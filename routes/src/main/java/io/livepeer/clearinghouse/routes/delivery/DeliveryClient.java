package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import io.livepeer.clearinghouse.openmeter.Transport;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The OpenMeter client delivery uses: {@code OPENMETER_URL} resolved by the {@code openmeter} module's one rule
 * ({@link OpenMeterUrl#resolve(String)}, the same the bootstrap uses), one attempt per request ({@link Retries#none()}:
 * {@link OutboxDelivery} keeps failed events pending and paces the retries), the bearer token when configured.
 */
public final class DeliveryClient {

    private static final String URL_KEY = "clearinghouse.openmeter.url";

    private DeliveryClient() {}

    /**
     * @param openmeterUrl the configured {@code OPENMETER_URL}
     * @param token        bearer token ({@code OPENMETER_API_KEY}), empty for none
     * @param timeout      connect and request timeout
     * @throws IllegalArgumentException when the URL is not one of the accepted forms (the message names the key)
     */
    public static OpenMeterClient open(String openmeterUrl, Optional<String> token, Duration timeout) {
        return open(openmeterUrl, token, timeout, Transport.jdk(timeout));
    }

    /**
     * The same over another transport (tests record the requests instead of sending them).
     *
     * @param openmeterUrl the configured {@code OPENMETER_URL}
     * @param token        bearer token, empty for none
     * @param timeout      request timeout
     * @param transport    sends the requests
     * @throws IllegalArgumentException when the URL is not one of the accepted forms (the message names the key)
     */
    public static OpenMeterClient open(
            String openmeterUrl, Optional<String> token, Duration timeout, Transport transport) {
        OpenMeterUrl url;
        try {
            url = OpenMeterUrl.resolve(openmeterUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(URL_KEY + " (OPENMETER_URL): " + e.getMessage(), e);
        }
        return new OpenMeterClient(url, token, timeout, Retries.none(), line -> {}, transport, Clock.systemUTC());
    }
}
