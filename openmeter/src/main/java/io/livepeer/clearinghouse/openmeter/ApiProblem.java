package io.livepeer.clearinghouse.openmeter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * An error answer of OpenMeter or Konnect, made readable: the operation, the HTTP status, the problem's title and
 * detail ({@code application/problem+json}, RFC 7807), and the offending fields (v1
 * {@code extensions.validationErrors}, v3/Konnect {@code invalid_parameters[]}). 401 and 403 carry an explanation
 * of which token and which role are needed.
 */
public final class ApiProblem extends RuntimeException {

    private final String operation;
    private final int status;
    private final String title;
    private final String detail;
    private final List<String> fields;

    /**
     * @param operation what was being done, e.g. {@code create meter fee_wei}
     * @param status    HTTP status, or 0 when the server could not be reached
     * @param title     problem title, may be null
     * @param detail    problem detail or the raw body, may be null
     * @param fields    offending fields as {@code field: reason}
     */
    public ApiProblem(String operation, int status, String title, String detail, List<String> fields) {
        super(render(operation, status, title, detail, fields));
        this.operation = operation;
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.fields = List.copyOf(fields);
    }

    /**
     * Reads a problem body of either dialect.
     *
     * @param operation what was being done
     * @param status    HTTP status
     * @param body      the parsed body, or null when it was not JSON
     * @param raw       the raw body (used when it is not a problem document), may be null
     */
    public static ApiProblem of(String operation, int status, JsonNode body, String raw) {
        if (body == null || !body.isObject()) {
            String text = raw == null || raw.isBlank() ? null : raw.strip();
            return new ApiProblem(
                    operation,
                    status,
                    null,
                    text == null ? null : text.length() > 500 ? text.substring(0, 500) + "…" : text,
                    List.of());
        }
        List<String> fields = new ArrayList<>();
        for (JsonNode p : body.path("invalid_parameters")) {
            String field = text(p, "field", text(p, "name", text(p, "source", "?")));
            String reason = text(p, "reason", text(p, "rule", ""));
            fields.add(field + ": " + reason);
        }
        JsonNode validation = body.path("extensions").path("validationErrors");
        if (validation.isArray()) {
            for (JsonNode v : validation) {
                fields.add(
                        v.isTextual()
                                ? v.asText()
                                : text(v, "field", text(v, "path", "?")) + ": " + text(v, "message", v.toString()));
            }
        } else if (validation.isObject()) {
            validation
                    .fields()
                    .forEachRemaining(
                            e -> fields.add(e.getKey() + ": " + e.getValue().asText()));
        }
        return new ApiProblem(operation, status, text(body, "title", null), text(body, "detail", null), fields);
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : value.isTextual() ? value.asText() : value.toString();
    }

    private static String render(String operation, int status, String title, String detail, List<String> fields) {
        StringBuilder s = new StringBuilder(operation).append(": ");
        if (status == 0) {
            s.append("OpenMeter could not be reached");
        } else {
            s.append("HTTP ").append(status);
            if (title != null) {
                s.append(' ').append(title);
            }
        }
        if (detail != null && !detail.equals(title)) {
            s.append(": ").append(detail);
        }
        for (String f : fields) {
            s.append("\n    - ").append(f);
        }
        if (status == 401) {
            s.append("\n  The token was refused. Set OPENMETER_API_KEY (or --token-file) to a valid token: for "
                    + "Konnect a"
                    + " personal access token (kpat_…) or a system account token (spat_…) of this region.");
        } else if (status == 403) {
            s.append("\n  The token is valid but may not do this. On Konnect, give the token's user or system account"
                    + " the Metering & Billing Admin role (Organization → Teams or System accounts → Roles).");
        }
        return s.toString();
    }

    /** What was being done. */
    public String operation() {
        return operation;
    }

    /** HTTP status, 0 when the server was unreachable. */
    public int status() {
        return status;
    }

    /** Problem title, may be null. */
    public String title() {
        return title;
    }

    /** Problem detail, may be null. */
    public String detail() {
        return detail;
    }

    /** Offending fields as {@code field: reason}. */
    public List<String> fields() {
        return fields;
    }
}
