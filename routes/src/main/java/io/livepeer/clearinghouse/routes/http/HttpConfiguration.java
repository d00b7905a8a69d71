package io.livepeer.clearinghouse.routes.http;

import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds what every HTTP API flow shares, before any flow adds its routes: the operator API's {@link ApiAuth}
 * ({@code clearinghouse.api.*}), the JSON binding ({@link ApiJson}), the REST DSL configuration with the OpenAPI
 * document ({@link OpenApiRoutes}) and the API route configuration ({@link ApiRouteConfiguration}).
 */
public final class HttpConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        ApiAuth auth = Beans.bind(context, ApiAuth.from(SettingsReader.of(context)));
        LOG.info("Operator API: {}", auth);
        if (!auth.adminConfigured()) {
            LOG.warn("CLEARINGHOUSE_ADMIN_TOKEN is not set: the admin API refuses every request");
        }
        context.getRegistry().bind(ApiJson.BEAN, ApiJson.mapper());
        context.addRoutes(new OpenApiRoutes());
        context.addRoutes(new ApiRouteConfiguration(auth));
    }
}
