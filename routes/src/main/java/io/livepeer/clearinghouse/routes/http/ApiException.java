package io.livepeer.clearinghouse.routes.http;

import java.util.Map;

/**
 * A request that cannot be served as asked; becomes an {@code application/problem+json} response.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final String field;
    private final Map<String, String> headers;

    /**
     * @param status  HTTP status
     * @param title   short summary ("Bad Request")
     * @param field   offending field or parameter, or null
     * @param message explanation (the problem's {@code detail})
     * @param headers extra response headers (e.g. {@code WWW-Authenticate})
     */
    public ApiException(int status, String title, String field, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.title = title;
        this.field = field;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String field() {
        return field;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
