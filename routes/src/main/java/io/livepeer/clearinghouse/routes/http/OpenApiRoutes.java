package io.livepeer.clearinghouse.routes.http;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestBindingMode;

/**
 * The REST DSL's configuration for every HTTP route on {@code camel.server.port}, and the OpenAPI 3 document of
 * them all.
 * <ul>
 *   <li>REST services run on platform-http (the server {@code camel-platform-http-main} starts), with JSON binding
 *       through {@link ApiJson}; a response with a status of 300 or more (a problem) is left as written. The
 *       server does not check {@code Content-Type} or {@code Accept} against a verb's media types: the routes
 *       answer unreadable bodies themselves.</li>
 *   <li>A verb calling {@code direct:x} is inlined with the route {@code from("direct:x")}: one route per verb,
 *       with that route's id.</li>
 *   <li>{@code GET /api/openapi.json} ({@value #ROUTE_ID}, no token): the OpenAPI 3 document camel-openapi-java
 *       generates from the REST DSL, its server being the address the caller used (or the proxy's
 *       {@code X-Forwarded-Proto}/{@code X-Forwarded-Host}/{@code X-Forwarded-Prefix}).</li>
 * </ul>
 * Added before any flow's routes, so that every REST service is built with this configuration.
 */
public final class OpenApiRoutes extends RouteBuilder {

    /** Route id and path of the document. */
    public static final String ROUTE_ID = "api-openapi";

    public static final String PATH = "/api/openapi.json";

    /** Version of the API in the document (see the change list in docs/api.md). */
    public static final String API_VERSION = "1.1";

    /** Request headers the document generator may read: how a proxy in front was addressed. */
    private static final List<String> FORWARDED_HEADERS =
            List.of("X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix");

    @Override
    public void configure() {
        restConfiguration()
                .component("platform-http")
                // consumes/produces document the verbs; the routes answer wrong bodies themselves (a form is a
                // 415 problem, a form to /authorize a 400 decision) instead of the server's plain 415/406
                .componentProperty("serverRequestValidation", "false")
                .bindingMode(RestBindingMode.json)
                .dataFormatProperty("objectMapper", "#" + ApiJson.BEAN)
                .skipBindingOnErrorCode(true)
                .inlineRoutes(true)
                .useXForwardHeaders(true)
                .apiProperty("api.title", "Livepeer clearinghouse")
                .apiProperty("api.version", API_VERSION)
                .apiProperty(
                        "api.description",
                        "Usage, dead letters, the credit ledger, API keys (token in"
                                + " Authorization: Bearer) and go-livepeer's remote-signer webhook POST /authorize."
                                + " Reference: docs/api.md.");

        rest("/api")
                .description("The API itself")
                .get("/openapi.json")
                .id(ROUTE_ID)
                .description("This OpenAPI 3 document (no token needed)")
                .bindingMode(RestBindingMode.off)
                .produces("application/json")
                .to("direct:" + ROUTE_ID);

        from("direct:" + ROUTE_ID)
                .routeId(ROUTE_ID)
                .process(OpenApiRoutes::keepAddressHeaders)
                .to("rest-api:" + PATH)
                .process(e -> {
                    String type = e.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
                    ApiSupport.clearHeaders(e);
                    e.getMessage().setHeader(Exchange.CONTENT_TYPE, type);
                });
    }

    /**
     * Keeps only what says which address the caller used (the request's other headers would be echoed in the
     * response): the proxy's {@code X-Forwarded-*} headers, else the scheme and host of the request URL.
     */
    private static void keepAddressHeaders(Exchange exchange) {
        var message = exchange.getMessage();
        Map<String, Object> kept = new HashMap<>();
        for (String name : FORWARDED_HEADERS) {
            Object value = message.getHeader(name);
            if (value != null) {
                kept.put(name, value);
            }
        }
        URI url = URI.create(message.getHeader(Exchange.HTTP_URL, String.class));
        kept.put("Host", url.getRawAuthority());
        kept.putIfAbsent("X-Forwarded-Proto", url.getScheme());
        message.removeHeaders("*");
        message.getHeaders().putAll(kept);
    }
}
