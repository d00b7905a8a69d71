package io.livepeer.clearinghouse.routes.http;

import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.rest.ParamDefinition;
import org.apache.camel.model.rest.ResponseMessageDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.model.rest.SecurityDefinition;
import org.apache.camel.model.rest.VerbDefinition;

/**
 * Base of the operator API's route builders. A subclass declares its REST services with Camel's REST DSL
 * ({@code rest("/api/...").get(...)}), each verb with its operation id, query parameters and request/response
 * records, calling {@code direct:<route id>}; and the route behind each verb with {@link #api(String, Role)}.
 *
 * <p>Every verb of a subclass is documented with the token scheme {@value #TOKEN_SCHEME} and the problem responses
 * every route can give (400, 401, 403, 503); the statuses particular to a verb are declared on it.
 */
public abstract class ApiRouteBuilder extends RouteBuilder {

    /** The OpenAPI security scheme of the operator API tokens ({@code Authorization: Bearer}). */
    public static final String TOKEN_SCHEME = "apiToken";

    protected final ApiAuth auth;

    protected ApiRouteBuilder(ApiAuth auth) {
        this.auth = auth;
    }

    /**
     * The route behind the REST verb whose {@code to} is {@code direct:<routeId>}: the REST DSL inlines it, so the
     * verb's route has this id. It runs with the {@link ApiRouteConfiguration} (problem responses), which first
     * checks the caller's token against {@code role}.
     */
    protected RouteDefinition api(String routeId, Role role) {
        auth.protect(routeId, role);
        return from(direct(routeId)).routeId(routeId).routeConfigurationId(ApiRouteConfiguration.ID);
    }

    /** Like {@link #api(String, Role)}, with the caller checked by {@code check} (see {@link ApiAuth#protect}). */
    protected RouteDefinition api(String routeId, java.util.function.Function<org.apache.camel.Exchange, Role> check) {
        auth.protect(routeId, check);
        return from(direct(routeId)).routeId(routeId).routeConfigurationId(ApiRouteConfiguration.ID);
    }

    /** The endpoint a verb calls to reach the route {@link #api(String, Role)} declares. */
    protected static String direct(String routeId) {
        return "direct:" + routeId;
    }

    /** An optional query parameter for the OpenAPI document ({@code dataType}: string, integer, date-time ...). */
    protected static ParamDefinition query(String name, String dataType, String description) {
        return new ParamDefinition()
                .name(name)
                .type(RestParamType.query)
                .dataType(dataType)
                .required(false)
                .description(description);
    }

    /** The page size of a list: {@code limit}. */
    protected static ParamDefinition limit() {
        return query("limit", "integer", "page size, 1 to " + ApiSupport.MAX_LIMIT)
                .defaultValue(String.valueOf(ApiSupport.DEFAULT_LIMIT));
    }

    /** Where a page starts: {@code cursor}, the {@code next_cursor} of the previous page. */
    protected static ParamDefinition cursor() {
        return query("cursor", "string", "the next_cursor of the previous page (opaque); absent for the first page");
    }

    /** A documented problem response. */
    protected static ResponseMessageDefinition problem(int status, String when) {
        return response(status, when + " (application/problem+json)", Problem.class);
    }

    /**
     * A documented response with a body of type {@code model}. (Named by its binary name: the DSL's
     * {@code responseModel(Class)} uses the canonical name, which cannot be loaded for a nested record.)
     */
    public static ResponseMessageDefinition response(int status, String message, Class<?> model) {
        ResponseMessageDefinition response =
                new ResponseMessageDefinition().code(status).message(message);
        response.setResponseModel(model.getName());
        return response;
    }

    /** Documents every verb with the token scheme and the common problems, then turns the rests into routes. */
    @Override
    protected void populateRests() throws Exception {
        for (RestDefinition rest : getRestCollection().getRests()) {
            rest.securityDefinitions()
                    .bearerToken(
                            TOKEN_SCHEME,
                            "CLEARINGHOUSE_ADMIN_TOKEN, or for reads"
                                    + " CLEARINGHOUSE_VIEWER_TOKEN; also accepted as X-Admin-Token",
                            null);
            for (VerbDefinition verb : rest.getVerbs()) {
                SecurityDefinition token = new SecurityDefinition();
                token.setKey(TOKEN_SCHEME);
                verb.getSecurity().add(token);
                verb.getResponseMsgs().add(problem(400, "a parameter or the body is invalid; errors[] names it"));
                verb.getResponseMsgs().add(problem(401, "no token or a wrong one"));
                verb.getResponseMsgs().add(problem(403, "the viewer token on a write, or no token configured"));
                verb.getResponseMsgs().add(problem(503, "the database cannot be reached"));
            }
        }
        super.populateRests();
    }
}
