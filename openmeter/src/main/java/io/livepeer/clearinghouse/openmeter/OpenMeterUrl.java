package io.livepeer.clearinghouse.openmeter;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where an OpenMeter API lives and which dialect it speaks: the one rule that turns {@code OPENMETER_URL} (delivery)
 * or {@code --url} (bootstrap) into an API root. Every path, ingest and catalog alike, is the root plus a
 * dialect-independent suffix ({@link #EVENTS}, {@link #METERS}, …).
 *
 * <p>Accepted forms (documented in {@code docs/operations.md} and {@code docs/metering-bootstrap.md}, and tested
 * against those tables), each also with a trailing {@code /}, {@code /events} or {@code /events/}:
 * <table>
 *   <caption>URL forms</caption>
 *   <tr><th>URL</th><th>dialect</th><th>API root</th></tr>
 *   <tr><td>{@code http://openmeter:8888}</td><td>v1</td><td>{@code http://openmeter:8888/api/v1}</td></tr>
 *   <tr><td>{@code http://openmeter:8888/api/v1}</td><td>v1</td><td>{@code http://openmeter:8888/api/v1}</td></tr>
 *   <tr><td>{@code http://openmeter:8888/api/v3}</td><td>v3</td><td>{@code …/api/v3/openmeter}</td></tr>
 *   <tr><td>{@code http://openmeter:8888/api/v3/openmeter}</td><td>v3</td><td>{@code …/api/v3/openmeter}</td></tr>
 *   <tr><td>{@code https://us.api.konghq.com}</td><td>v3</td><td>{@code …/v3/openmeter}</td></tr>
 *   <tr><td>{@code https://us.api.konghq.com/v3}</td><td>v3</td><td>{@code …/v3/openmeter}</td></tr>
 *   <tr><td>{@code https://us.api.konghq.com/v3/openmeter}</td><td>v3</td><td>same</td></tr>
 * </table>
 * A path ending in {@code /openmeter} or {@code /v3} is v3; a bare host under {@code .api.konghq.com} is Konnect
 * (v3); anything else is a self-hosted v1 base (a reverse-proxy prefix such as {@code http://gw/metering} gets
 * {@code /api/v1} appended). A forced dialect wins over the guess but may not contradict an explicit {@code /api/v1}
 * or v3 path.
 *
 * @param apiRoot the URL the paths are appended to, without a trailing slash: {@code http://openmeter:8888/api/v1}
 *                or {@code https://us.api.konghq.com/v3/openmeter}
 * @param dialect the dialect spoken there
 */
public record OpenMeterUrl(String apiRoot, Dialect dialect) {

    /** Event ingest: {@code POST} a CloudEvents batch. */
    public static final String EVENTS = "/events";
    /** Meters (catalog). */
    public static final String METERS = "/meters";
    /** Features (catalog). */
    public static final String FEATURES = "/features";
    /** Plans (catalog). */
    public static final String PLANS = "/plans";
    /** Customers. */
    public static final String CUSTOMERS = "/customers";
    /** Subscriptions. */
    public static final String SUBSCRIPTIONS = "/subscriptions";

    private static final String KONNECT_HOST_SUFFIX = ".api.konghq.com";

    /**
     * Resolves a URL, deciding the dialect from it.
     *
     * @param url the configured URL
     * @throws IllegalArgumentException when it is not an absolute http(s) URL, or carries credentials, a query or a
     *                                  fragment (the message never repeats credentials)
     */
    public static OpenMeterUrl resolve(String url) {
        return resolve(url, (Dialect) null);
    }

    /**
     * Resolves a URL with an operator's dialect choice.
     *
     * @param url           the configured URL
     * @param forcedDialect {@code auto} (or null), {@code v1} or {@code v3}
     * @throws IllegalArgumentException as {@link #resolve(String)}, for an unknown dialect, or when the forced
     *                                  dialect contradicts the URL's explicit version path
     */
    public static OpenMeterUrl resolve(String url, String forcedDialect) {
        return resolve(url, Dialect.parse(forcedDialect));
    }

    /**
     * Resolves a URL.
     *
     * @param url    the configured URL
     * @param forced the dialect to speak, or null to decide from the URL
     * @throws IllegalArgumentException see {@link #resolve(String, String)}
     */
    public static OpenMeterUrl resolve(String url, Dialect forced) {
        String text = url == null ? "" : url.trim();
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("OpenMeter URL is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("OpenMeter URL must start with http:// or https:// and name a host, "
                    + "got '" + (uri.getRawUserInfo() == null ? text : "(redacted)") + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("OpenMeter URL must not carry credentials (user:password@host): "
                    + "set the bearer token in OPENMETER_API_KEY instead");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("OpenMeter URL must not have a query or fragment, got '" + text + "'");
        }
        String path = trimSlashes(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (path.endsWith(EVENTS)) {
            path = trimSlashes(path.substring(0, path.length() - EVENTS.length()));
        }
        String origin = scheme + "://" + uri.getRawAuthority();
        boolean konnectHost = uri.getHost().toLowerCase(Locale.ROOT).endsWith(KONNECT_HOST_SUFFIX);
        boolean v3Path = path.endsWith("/openmeter") || path.endsWith("/v3");
        boolean v1Path = path.endsWith("/api/v1");
        Dialect dialect = forced != null ? forced : v3Path || path.isEmpty() && konnectHost ? Dialect.V3 : Dialect.V1;
        if (dialect == Dialect.V1 && v3Path || dialect == Dialect.V3 && v1Path) {
            throw new IllegalArgumentException("OpenMeter URL '" + text + "' names the " + (v1Path ? "v1" : "v3")
                    + " API, but dialect " + dialect.label() + " was asked for");
        }
        String root;
        if (dialect == Dialect.V1) {
            root = v1Path ? path : path + "/api/v1";
        } else if (path.endsWith("/openmeter")) {
            root = path;
        } else if (path.endsWith("/v3")) {
            root = path + "/openmeter";
        } else if (path.isEmpty()) {
            root = konnectHost ? "/v3/openmeter" : "/api/v3/openmeter";
        } else {
            root = path + "/openmeter"; // a proxy prefix that maps the v3 API
        }
        return new OpenMeterUrl(origin + root, dialect);
    }

    /** The ingest URL: {@code {root}/events}. */
    public String ingestUrl() {
        return url(EVENTS);
    }

    /**
     * A URL below the root.
     *
     * @param path a path starting with {@code /}, e.g. {@link #METERS} or {@code /plans/01J…/publish}
     */
    public String url(String path) {
        return apiRoot + path;
    }

    private static String trimSlashes(String path) {
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }
}
