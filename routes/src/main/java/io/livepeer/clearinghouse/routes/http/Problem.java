package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * An RFC 9457 problem ({@code application/problem+json}), the body of every error of the operator API.
 *
 * @param type   always {@code about:blank}
 * @param title  the status' reason phrase ({@code Bad Request})
 * @param status the HTTP status
 * @param detail what went wrong, in words
 * @param errors one entry per offending field or parameter; absent when no field is at fault
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    /** Media type of a problem body. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * @param field   the JSON field, query parameter or header at fault
     * @param message what is wrong with it
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FieldError(String field, String message) {}

    /** A problem naming {@code field} (or none when null). */
    public static Problem of(int status, String title, String detail, String field) {
        return new Problem(
                "about:blank", title, status, detail, field == null ? null : List.of(new FieldError(field, detail)));
    }
}
