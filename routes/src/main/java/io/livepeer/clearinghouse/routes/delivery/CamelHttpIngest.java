package io.livepeer.clearinghouse.routes.delivery;

import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * {@link OpenMeterIngest} through the {@code direct:openmeter-ingest} route (camel-http), so requests show up in the
 * route's metrics and the HTTP settings live in one place. Thread-safe.
 */
public final class CamelHttpIngest implements OpenMeterIngest {

    /** The route that performs the POST. */
    public static final String ENDPOINT = "direct:openmeter-ingest";

    private final CamelContext context;
    private volatile ProducerTemplate template;

    public CamelHttpIngest(CamelContext context) {
        this.context = context;
    }

    @Override
    public Response post(byte[] batchJson) throws IOException {
        Exchange result = template().send(ENDPOINT, exchange -> exchange.getMessage().setBody(batchJson));
        Exception failure = result.getException();
        if (failure != null) {
            if (failure instanceof IOException io) {
                throw io;
            }
            throw new IOException("OpenMeter request failed: " + failure.getClass().getSimpleName()
                    + (failure.getMessage() == null ? "" : ": " + failure.getMessage()), failure);
        }
        Integer status = result.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status == null) {
            throw new IOException("OpenMeter request returned no HTTP status");
        }
        String body = result.getMessage().getBody(String.class);
        String retryAfter = result.getMessage().getHeader("Retry-After", String.class);
        return new Response(status, parseRetryAfter(retryAfter), body == null ? "" : body);
    }

    private ProducerTemplate template() {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = context.createProducerTemplate();
                }
                t = template;
            }
        }
        return t;
    }

    /** {@code Retry-After} as delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
    static Optional<Duration> parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
