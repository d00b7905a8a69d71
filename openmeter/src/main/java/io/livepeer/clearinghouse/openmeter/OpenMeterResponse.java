package io.livepeer.clearinghouse.openmeter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Optional;

/**
 * The final answer of one OpenMeter call (after any retries).
 *
 * @param status     HTTP status
 * @param retryAfter the server's {@code Retry-After}, already parsed to a delay (seconds or HTTP-date), if sent
 * @param body       response body text, empty when none (on errors usually {@code application/problem+json})
 */
public record OpenMeterResponse(int status, Optional<Duration> retryAfter, String body) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public OpenMeterResponse {
        retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
        body = body == null ? "" : body;
    }

    /** Whether the status is 2xx (v1 ingest answers 204, v3 202). */
    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /** Whether the {@linkplain Retries#retryable(int) retry policy} would try again: 429 or 5xx. */
    public boolean retryable() {
        return Retries.retryable(status);
    }

    /** The body as JSON, or null when empty or not JSON. */
    public JsonNode json() {
        if (body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * The answer as a problem of either dialect (v1 {@code validationErrors}, v3 {@code invalid_parameters[]}).
     *
     * @param operation what was being done, for the message
     */
    public ApiProblem problem(String operation) {
        return ApiProblem.of(operation, status, json(), body);
    }
}
