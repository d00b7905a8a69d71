package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.livepeer.clearinghouse.processors.json.Json;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Request bodies of the operator API: JSON with snake_case names, unknown fields refused, shapes checked with Bean
 * Validation (Hibernate Validator). Errors name the JSON field.
 */
public final class Bodies {

    private static final ObjectMapper READER = Json.mapper().copy()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Validator VALIDATOR = Validation.byDefaultProvider().configure()
            .messageInterpolator(new ParameterMessageInterpolator())
            .buildValidatorFactory().getValidator();

    private Bodies() {
    }

    /**
     * Reads and validates a JSON body.
     *
     * @throws ApiException                  400 when there is no body
     * @throws com.fasterxml.jackson.core.JacksonException for malformed JSON, unknown fields or wrong types
     * @throws ConstraintViolationException  when a field breaks a constraint
     */
    public static <T> T read(Exchange exchange, Class<T> type) throws IOException {
        ApiSupport.requireJsonBody(exchange);
        return read(exchange.getMessage().getBody(byte[].class), type);
    }

    /** Like {@link #read(Exchange, Class)} for a body already read (a request body can be read once). */
    public static <T> T read(byte[] body, Class<T> type) throws IOException {
        if (body == null || body.length == 0) {
            throw new ApiSupport.BadRequest(null, "a JSON body is required");
        }
        T value = READER.readValue(body, type);
        if (value == null) {
            throw new ApiSupport.BadRequest(null, "a JSON body is required");
        }
        Set<ConstraintViolation<T>> violations = VALIDATOR.validate(value);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return value;
    }

    /** The JSON path of a mapping error, e.g. {@code amount_usd_micros}. */
    static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    /** A Java property path ({@code amountUsdMicros}) as its JSON name ({@code amount_usd_micros}). */
    static String jsonName(String javaName) {
        return javaName.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }

    /**
     * {@code POST /api/ledger/grants}.
     *
     * @param customer        customer key (the metering subject)
     * @param amountUsdMicros credit to grant, USD micros, positive, at most 12 decimals
     * @param transferId      idempotency key (or the {@code Idempotency-Key} header)
     * @param reason          why (trial, top-up, ...)
     * @param metadata        free JSON kept on the transfer
     */
    public record GrantRequest(
            @NotBlank @Size(max = 512) String customer,
            @NotNull @DecimalMin(value = "0", inclusive = false, message = "must be greater than 0")
            @Digits(integer = 26, fraction = 12, message = "must have at most 26 digits before and 12 after the point")
            BigDecimal amountUsdMicros,
            @Size(min = 1, max = 200) String transferId,
            @Size(max = 500) String reason,
            Map<String, Object> metadata) {
    }

    /**
     * {@code POST /api/ledger/adjustments}.
     *
     * @param account    {@code customer:<key>} or {@code orchestrator:<id>}
     * @param amount     signed amount in the account's unit: positive credits the account, negative debits it
     * @param reason     why (required)
     * @param transferId idempotency key (or the {@code Idempotency-Key} header)
     */
    public record AdjustmentRequest(
            @NotBlank @Size(max = 600) String account,
            @NotNull @Digits(integer = 78, fraction = 12, message = "must have at most 78 digits before and 12 after the point")
            BigDecimal amount,
            @NotBlank @Size(max = 500) String reason,
            @Size(min = 1, max = 200) String transferId) {
    }

    /**
     * {@code POST /api/ledger/transfers/{id}/reverse}.
     *
     * @param reason why (required)
     */
    public record ReverseRequest(@NotBlank @Size(max = 500) String reason) {
    }

    /** An empty map when null. */
    public static Map<String, Object> orEmpty(Map<String, Object> map) {
        return map == null ? Map.of() : map;
    }
}
