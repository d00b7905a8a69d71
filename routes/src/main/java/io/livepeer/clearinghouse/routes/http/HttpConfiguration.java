package io.livepeer.clearinghouse.routes.http;

import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds what every HTTP API flow shares: the operator API's {@link ApiAuth} ({@code clearinghouse.api.*}). */
public final class HttpConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConfiguration.class);

    @Override
    public void configure(CamelContext context) {
        ApiAuth auth = Beans.bind(context, ApiAuth.from(SettingsReader.of(context)));
        LOG.info("Operator API: {}", auth);
        if (!auth.adminConfigured()) {
            LOG.warn("CLEARINGHOUSE_ADMIN_TOKEN is not set: the admin API refuses every request");
        }
    }
}
