package io.livepeer.clearinghouse.routes.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import jakarta.validation.ConstraintViolationException;
import java.sql.SQLException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the HTTP API route builders: every failure becomes an {@code application/problem+json} response that
 * names the field at fault (request bodies are checked with Bean Validation, see {@link Bodies}), and the database
 * being unreadable is a 503, never a crash.
 */
public abstract class ApiRouteBuilder extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouteBuilder.class);

    /** Declares the error handling; subclasses call this first in {@link #configure()}. */
    protected void problems() {
        onException(ApiException.class).handled(true).process(e -> {
            ApiException a = e.getProperty(Exchange.EXCEPTION_CAUGHT, ApiException.class);
            ApiSupport.problem(e, a.status(), a.title(), a.getMessage(), a.field());
            a.headers().forEach((k, v) -> e.getMessage().setHeader(k, v));
        });
        onException(LedgerException.class).handled(true).process(e -> {
            LedgerException l = e.getProperty(Exchange.EXCEPTION_CAUGHT, LedgerException.class);
            int status = l instanceof LedgerException.NotFound ? 404
                    : l instanceof LedgerException.Conflict ? 409
                    : l instanceof LedgerException.InsufficientFunds ? 422 : 400;
            String title = switch (status) {
                case 404 -> "Not Found";
                case 409 -> "Conflict";
                case 422 -> "Unprocessable Content";
                default -> "Bad Request";
            };
            ApiSupport.problem(e, status, title, l.getMessage(), l.field());
        });
        onException(ConstraintViolationException.class).handled(true).process(e -> ApiSupport.problem(e,
                e.getProperty(Exchange.EXCEPTION_CAUGHT, ConstraintViolationException.class)));
        onException(JacksonException.class).handled(true).process(e -> {
            JacksonException j = e.getProperty(Exchange.EXCEPTION_CAUGHT, JacksonException.class);
            String field = j instanceof JsonMappingException m ? Bodies.path(m) : null;
            String detail = j instanceof UnrecognizedPropertyException u
                    ? "unknown field '" + u.getPropertyName() + "'"
                    : field != null ? field + " has the wrong type or format" : "the body is not valid JSON";
            ApiSupport.problem(e, 400, "Bad Request", detail, field);
        });
        onException(SQLException.class).handled(true).process(e -> {
            LOG.warn("API request failed on the database: {}",
                    e.getProperty(Exchange.EXCEPTION_CAUGHT, SQLException.class).getMessage());
            ApiSupport.problem(e, 503, "Service Unavailable", "the database cannot be reached", null);
        });
    }
}
