package io.livepeer.clearinghouse.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import io.livepeer.clearinghouse.openmeter.Transport;
import io.livepeer.clearinghouse.testing.OpenMeterUrlForms;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every OpenMeter URL form the documentation promises, through the bootstrap's code path: the URL rule, the client
 * and the dialect's catalog API, up to the request URL of each catalog call (delivery checks the same table in
 * {@code routes}' {@code DeliveryDialectsTest}).
 */
class CatalogUrlFormsTest {

    static List<OpenMeterUrlForms.Form> documentedForms() {
        return OpenMeterUrlForms.withSuffixes();
    }

    final List<URI> sent = new ArrayList<>();
    final Transport recording = request -> {
        sent.add(request.uri());
        return new Transport.Reply(200, HttpHeaders.of(Map.of(), (k, v) -> true), "[]");
    };

    OpenMeterApi api(String url, String dialect) {
        return OpenMeterApi.of(new OpenMeterClient(
                OpenMeterUrl.resolve(url, dialect),
                Optional.of("tok"),
                Duration.ofSeconds(5),
                Retries.defaults(),
                line -> {},
                recording,
                Clock.systemUTC()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedForms")
    void every_documented_form_provisions_the_catalog_below_its_api_root(OpenMeterUrlForms.Form form) {
        OpenMeterApi api = api(form.url(), "auto");
        assertThat(api.dialect().label()).isEqualTo(form.dialect());
        assertThat(api).isInstanceOf(form.dialect().equals("v3") ? V3Api.class : V1Api.class);

        api.meters();
        api.features();
        api.plans();
        api.customer("acme:alice");

        assertThat(sent)
                .extracting(u -> u.getScheme() + "://" + u.getRawAuthority() + u.getRawPath())
                .containsExactly(
                        form.apiRoot() + "/meters",
                        form.apiRoot() + "/features",
                        form.apiRoot() + "/plans",
                        form.apiRoot() + "/customers");
        assertThat(OpenMeterUrl.resolve(form.url(), "auto").ingestUrl()).isEqualTo(form.ingestUrl());
    }

    @Test
    void a_forced_dialect_picks_that_dialects_api() {
        assertThat(api("http://gateway.internal/metering", "v3")).isInstanceOf(V3Api.class);
        assertThat(api("http://gateway.internal/metering", "auto")).isInstanceOf(V1Api.class);
    }
}
