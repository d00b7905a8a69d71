package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route configuration {@value #ID} every operator API route uses (via {@link ApiRouteBuilder#api}): the token
 * check for the route's role ({@link ApiAuth}) at the start of the route, and every failure as an
 * {@code application/problem+json} response ({@link Problem}) that names the field at fault:
 *
 * <table>
 *   <caption>failures and their statuses</caption>
 *   <tr><td>{@link ApiException}</td><td>its status (400 bad parameter, 401 + {@code WWW-Authenticate}, 403,
 *       404, 415 form body)</td></tr>
 *   <tr><td>{@link LedgerException}</td><td>404 not found, 409 conflict, 422 insufficient funds, else 400</td></tr>
 *   <tr><td>Bean Validation, JSON the binding cannot read</td><td>400, one {@code errors[]} entry per field</td></tr>
 *   <tr><td>{@link SQLException}</td><td>503: the database cannot be reached</td></tr>
 *   <tr><td>anything else</td><td>500, logged, no stack trace in the response</td></tr>
 * </table>
 *
 * <p>A request body the REST binding cannot read fails before the route starts; its problem is answered only to a
 * caller that passes the token check (and a form body is a 415), so a token problem always wins over a body problem.
 */
public final class ApiRouteConfiguration extends RouteConfigurationBuilder {

    /** The configuration id API routes refer to. */
    public static final String ID = "api";

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouteConfiguration.class);

    private final ApiAuth auth;

    public ApiRouteConfiguration(ApiAuth auth) {
        this.auth = auth;
    }

    @Override
    public void configuration() {
        RouteConfigurationDefinition api = routeConfiguration(ID);
        api.interceptFrom().process(auth::checkRoute).id("api-token-check");
        api.onException(ApiException.class).handled(true).process(e -> apiProblem(e, caught(e, ApiException.class)));
        api.onException(LedgerException.class).handled(true).process(e -> {
            LedgerException l = caught(e, LedgerException.class);
            int status = l instanceof LedgerException.NotFound
                    ? 404
                    : l instanceof LedgerException.Conflict
                            ? 409
                            : l instanceof LedgerException.InsufficientFunds ? 422 : 400;
            String title = switch (status) {
                case 404 -> "Not Found";
                case 409 -> "Conflict";
                case 422 -> "Unprocessable Content";
                default -> "Bad Request";
            };
            ApiSupport.problem(e, Problem.of(status, title, l.getMessage(), l.field()));
        });
        api.onException(ConstraintViolationException.class)
                .handled(true)
                .process(e -> ApiSupport.problem(e, violations(caught(e, ConstraintViolationException.class))));
        api.onException(JacksonException.class).handled(true).process(this::unreadableBody);
        api.onException(SQLException.class).handled(true).process(e -> {
            LOG.warn(
                    "API request failed on the database: {}",
                    caught(e, SQLException.class).getMessage());
            ApiSupport.problem(e, Problem.of(503, "Service Unavailable", "the database cannot be reached", null));
        });
        api.onException(Exception.class).handled(true).process(e -> {
            LOG.error("API request {} failed", e.getFromRouteId(), caught(e, Exception.class));
            ApiSupport.problem(
                    e, Problem.of(500, "Internal Server Error", "the request failed; see the server log", null));
        });
    }

    /** JSON the REST binding could not read: the token check first, then the form rule, then the JSON problem. */
    private void unreadableBody(Exchange exchange) {
        try {
            auth.checkRoute(exchange);
            ApiSupport.requireJsonBody(exchange);
        } catch (ApiException e) {
            apiProblem(exchange, e);
            return;
        }
        JacksonException j = caught(exchange, JacksonException.class);
        String field = j instanceof JsonMappingException m ? Bodies.path(m) : null;
        String detail = j instanceof UnrecognizedPropertyException u
                ? "unknown field '" + u.getPropertyName() + "'"
                : field != null ? field + " has the wrong type or format" : "the body is not valid JSON";
        ApiSupport.problem(exchange, Problem.of(400, "Bad Request", detail, field));
    }

    private static void apiProblem(Exchange exchange, ApiException a) {
        ApiSupport.problem(exchange, Problem.of(a.status(), a.title(), a.getMessage(), a.field()));
        a.headers().forEach((k, v) -> exchange.getMessage().setHeader(k, v));
    }

    /** One {@code errors[]} entry per violated field, sorted by field. */
    private static Problem violations(ConstraintViolationException e) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<String> details = new ArrayList<>();
        e.getConstraintViolations().stream()
                .sorted(Comparator.comparing((ConstraintViolation<?> v) ->
                        Bodies.jsonName(v.getPropertyPath().toString())))
                .forEach(v -> {
                    String field = Bodies.jsonName(v.getPropertyPath().toString());
                    errors.add(new Problem.FieldError(field, v.getMessage()));
                    details.add(field + " " + v.getMessage());
                });
        return new Problem("about:blank", "Bad Request", 400, String.join("; ", details), errors);
    }

    private static <T extends Throwable> T caught(Exchange exchange, Class<T> type) {
        return exchange.getProperty(Exchange.EXCEPTION_CAUGHT, type);
    }
}
