package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.TestDatabases;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dev run is the camel-main profile "dev": application-dev.properties applies over application.properties. */
class DevProfileTest {

    static Map<String, String> base() throws IOException {
        var db = TestDatabases.h2();
        Map<String, String> props = new HashMap<>();
        props.put("clearinghouse.jdbc.url", db.url());
        props.put("clearinghouse.jdbc.user", db.user());
        props.put("clearinghouse.jdbc.password", db.password());
        props.put("clearinghouse.price.oracle-url", "");
        props.put("clearinghouse.openmeter.url", "");
        props.put("camel.server.port", String.valueOf(freePort()));
        props.put("camel.management.port", String.valueOf(freePort()));
        props.put("camel.main.shutdown-timeout", "5");
        return props;
    }

    @Test
    void the_dev_profile_brings_its_demo_price_and_loopback_hosts() throws Exception {
        Map<String, String> props = base();
        props.put(ClearinghouseApp.PROFILE_KEY, "dev");
        try (ClearinghouseApp app = ClearinghouseApp.start(props)) {
            assertThat(app.services().price().current()).hasValueSatisfying(q -> {
                assertThat(q.usdPerEth()).isEqualByComparingTo(new BigDecimal("3000"));
                assertThat(q.source()).isEqualTo("static");
            });
            assertThat(app.context().getPropertiesComponent().resolveProperty("camel.server.host"))
                    .hasValue("127.0.0.1");
        }
    }

    @Test
    void without_the_profile_there_is_no_demo_price() throws Exception {
        try (ClearinghouseApp app = ClearinghouseApp.start(base())) {
            assertThat(app.services().price().current()).isEmpty();
            assertThat(app.context().getPropertiesComponent().resolveProperty("camel.server.host"))
                    .hasValue("0.0.0.0");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
