package io.livepeer.clearinghouse.testing;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks HTTP requests against OpenMeter's OpenAPI specs in {@code ../shared/contracts} (v1:
 * {@code openmeter-openapi.yaml}, v3/Konnect: {@code openmeter-openapi-v3.yaml}). When the folder is absent the
 * check is skipped: {@link #load} answers empty and callers accept every request.
 *
 * <p>The folder is taken from the system property {@code clearinghouse.contracts.dir} (set by the build), else
 * searched as {@code shared/contracts} beside any parent of the working directory.
 */
public final class OpenApiContract {

    /** The two OpenMeter API dialects. */
    public enum Spec {
        V1("openmeter-openapi.yaml"),
        V3("openmeter-openapi-v3.yaml");

        final String file;

        Spec(String file) {
            this.file = file;
        }
    }

    private static final Map<Spec, Optional<OpenApiContract>> CACHE = new EnumMap<>(Spec.class);

    private final Spec spec;
    private final OpenApiInteractionValidator validator;

    private OpenApiContract(Spec spec, OpenApiInteractionValidator validator) {
        this.spec = spec;
        this.validator = validator;
    }

    /** The folder holding the specs, if present. */
    public static Optional<Path> contractsDir() {
        String configured = System.getProperty("clearinghouse.contracts.dir");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Optional.of(Path.of(configured).normalize());
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("contracts");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }

    /** The validator for a spec (parsed once per JVM), or empty when the contracts are not here. */
    public static synchronized Optional<OpenApiContract> load(Spec spec) {
        return CACHE.computeIfAbsent(
                spec,
                s -> contractsDir()
                        .map(dir -> dir.resolve(s.file))
                        .filter(Files::isRegularFile)
                        .map(file -> new OpenApiContract(
                                s,
                                OpenApiInteractionValidator.createForSpecificationUrl(
                                                file.toUri().toString())
                                        // the specs declare no usable security schemes for bearer tokens; auth is
                                        // checked separately
                                        .withLevelResolver(LevelResolver.create()
                                                .withLevel("validation.request.security", ValidationReport.Level.IGNORE)
                                                // follow the specs on additionalProperties: without this the validator
                                                // treats every
                                                // schema as closed and an allOf (v3 BadRequestError = BaseError +
                                                // invalid_parameters)
                                                // can never match; schemas that say additionalProperties: false are
                                                // still enforced
                                                .withLevel(
                                                        "validation.schema.additionalProperties",
                                                        ValidationReport.Level.IGNORE)
                                                .build())
                                        .build())));
    }

    /** Which spec this is. */
    public Spec spec() {
        return spec;
    }

    /**
     * @param method   HTTP method
     * @param specPath the path as the spec writes it ({@code /api/v1/events}, {@code /openmeter/events})
     * @param query    raw query string, may be null
     * @param headers  request headers
     * @param body     request body, may be null
     * @return violations, empty when the request conforms
     */
    public List<String> validate(
            String method, String specPath, String query, Map<String, List<String>> headers, String body) {
        SimpleRequest.Builder builder =
                new SimpleRequest.Builder(Request.Method.valueOf(method.toUpperCase()), specPath);
        headers.forEach((name, values) -> builder.withHeader(name, values));
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = java.net.URLDecoder.decode(
                        eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
                String value = eq < 0
                        ? ""
                        : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
                builder.withQueryParam(name, value);
            }
        }
        if (body != null && !body.isEmpty()) {
            builder.withBody(body);
        }
        ValidationReport report = validator.validateRequest(builder.build());
        List<String> violations = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() == ValidationReport.Level.ERROR && !validatorLimitation(message)) {
                violations.add(spec + " " + method + " " + specPath + ": " + message.getKey() + ": "
                        + message.getMessage() + nested(message));
            }
        }
        return violations;
    }

    /**
     * Two false alarms of swagger-request-validator on valid requests, and only those: a {@code deepObject} query
     * parameter's members are never coerced from the query string, so v3's {@code page[size]=100} is reported as
     * "string, not integer"; and a path parameter whose schema is an untyped {@code anyOf} (v1
     * {@code customerIdOrKey}) is parsed as JSON, so a ULID such as {@code 01J…} fails as a number with leading
     * zeros.
     */
    /** The sub-messages of an allOf/oneOf failure, which say what actually did not match. */
    private static String nested(ValidationReport.Message message) {
        StringBuilder s = new StringBuilder();
        for (ValidationReport.Message m : message.getNestedMessages()) {
            s.append(" [").append(m.getMessage()).append(nested(m)).append(']');
        }
        return s.toString();
    }

    private static boolean validatorLimitation(ValidationReport.Message message) {
        String key = message.getKey();
        String text = message.getMessage();
        return key.equals("validation.request.parameter.schema.type")
                        && text.startsWith("[Path '/")
                        && text.contains("Instance type (string) does not match any allowed primitive type")
                || key.equals("validation.request.parameter.schema.invalidJson")
                        && text.contains("Leading zeroes not allowed");
    }

    /**
     * Checks a response the way a client would see it: status, content type and body against the operation's
     * declared responses. Stand-ins use this to prove they answer like the real server.
     *
     * @param method      HTTP method of the request
     * @param specPath    the request path as the spec writes it
     * @param status      response status
     * @param contentType response content type, may be null without a body
     * @param body        response body, may be null
     * @return violations, empty when the response conforms
     */
    public List<String> validateResponse(String method, String specPath, int status, String contentType, String body) {
        SimpleResponse.Builder builder = SimpleResponse.Builder.status(status);
        if (contentType != null) {
            builder.withContentType(contentType);
        }
        if (body != null && !body.isEmpty()) {
            builder.withBody(body);
        }
        ValidationReport report =
                validator.validateResponse(specPath, Request.Method.valueOf(method.toUpperCase()), builder.build());
        List<String> violations = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() == ValidationReport.Level.ERROR) {
                violations.add(spec + " response " + status + " to " + method + " " + specPath + ": " + message.getKey()
                        + ": " + message.getMessage() + nested(message));
            }
        }
        return violations;
    }
}
