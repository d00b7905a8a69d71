package io.livepeer.clearinghouse.routes.orchestrators;

import io.livepeer.clearinghouse.routes.http.ApiSupport;
import java.util.Locale;
import org.apache.camel.Exchange;

/** Boolean query parameters of the orchestrators flow's list endpoints ({@code active_only}). */
public final class QueryFlags {

    private QueryFlags() {}

    /**
     * @return false when absent; true for {@code true|1|yes}, false for {@code false|0|no} (any case)
     * @throws ApiSupport.BadRequest naming the parameter otherwise
     */
    public static boolean bool(Exchange exchange, String name) {
        String v = ApiSupport.query(exchange, name);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ApiSupport.BadRequest(name, name + " must be true or false, got '" + v + "'");
        };
    }
}
