package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.livepeer.clearinghouse.processors.json.Json;

/**
 * The JSON binding of the HTTP API: the shared configuration ({@link Json}: exact big numbers, plain decimals) plus
 * snake_case names, RFC 3339 times ({@code 2026-08-20T10:00:00Z}) and unknown request fields refused. The REST DSL
 * binds request and response records with it (registered as {@value #BEAN}); records also carry
 * {@code @JsonNaming(SnakeCaseStrategy)} so the generated OpenAPI document shows the same names.
 */
public final class ApiJson {

    /** Registry name of the mapper, referenced by the REST configuration. */
    public static final String BEAN = "clearinghouseApiJson";

    private static final ObjectMapper MAPPER = Json.mapper()
            .copy()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ApiJson() {}

    /** The API's mapper (thread-safe; do not reconfigure it). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code value} as JSON text. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response could not be serialized", e);
        }
    }
}
