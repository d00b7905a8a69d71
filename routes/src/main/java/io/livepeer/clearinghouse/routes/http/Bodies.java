package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.databind.JsonMappingException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Request bodies of the operator API. The REST DSL binds the JSON to the verb's request record with
 * {@link ApiJson} (snake_case names, unknown fields refused); this class checks what is left: a JSON content type,
 * a body at all, and the record's Bean Validation constraints (Hibernate Validator). Errors name the JSON field.
 */
public final class Bodies {

    private static final Validator VALIDATOR = Validation.byDefaultProvider()
            .configure()
            .messageInterpolator(new ParameterMessageInterpolator())
            .buildValidatorFactory()
            .getValidator();

    private Bodies() {}

    /**
     * The bound, valid request body.
     *
     * @throws ApiException                 415 for a form body, 400 when there is no body
     * @throws ConstraintViolationException when a field breaks a constraint
     */
    public static <T> T valid(Exchange exchange, Class<T> type) {
        T value = optional(exchange, type);
        if (value == null) {
            throw new ApiSupport.BadRequest(null, "a JSON body is required");
        }
        return value;
    }

    /**
     * Like {@link #valid} for an optional body: null when the request has none.
     *
     * @throws ApiException                 415 for a form body
     * @throws ConstraintViolationException when a field breaks a constraint
     */
    public static <T> T optional(Exchange exchange, Class<T> type) {
        ApiSupport.requireJsonBody(exchange);
        Object body = exchange.getMessage().getBody();
        if (!type.isInstance(body)) {
            return null; // no body (or JSON null): the binding had nothing to read
        }
        T value = type.cast(body);
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

    /** An empty map when null. */
    public static Map<String, Object> orEmpty(Map<String, Object> map) {
        return map == null ? Map.of() : map;
    }
}
