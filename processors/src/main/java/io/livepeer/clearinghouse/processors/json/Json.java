package io.livepeer.clearinghouse.processors.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The one JSON configuration shared by every module.
 *
 * <p>Numbers are read as {@link java.math.BigDecimal}/{@link java.math.BigInteger} so that wei amounts above 2^53
 * survive exactly, and {@code BigDecimal}s are written in plain notation ({@code 0.000000003}, never {@code 3E-9}).
 */
public final class Json {

    /** Largest JSON document (characters) the parser accepts; a Kafka record is at most 1 MB by default. */
    public static final int MAX_DOCUMENT_CHARS = 4 * 1024 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(MAX_DOCUMENT_CHARS)
                        .maxNestingDepth(64)
                        .maxNumberLength(100)
                        .build());
    }

    private Json() {}

    /** The shared, thread-safe mapper. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
