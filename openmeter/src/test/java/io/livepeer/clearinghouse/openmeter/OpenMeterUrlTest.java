package io.livepeer.clearinghouse.openmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.testing.OpenMeterUrlForms;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The one URL rule, against the forms the documentation promises and the edges around them. */
class OpenMeterUrlTest {

    static List<OpenMeterUrlForms.Form> documentedForms() {
        return OpenMeterUrlForms.withSuffixes();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedForms")
    void every_documented_form_resolves_to_its_dialect_ingest_url_and_catalog_root(OpenMeterUrlForms.Form form) {
        OpenMeterUrl url = OpenMeterUrl.resolve(form.url());
        assertThat(url.dialect().label()).isEqualTo(form.dialect());
        assertThat(url.ingestUrl()).isEqualTo(form.ingestUrl());
        assertThat(url.apiRoot()).isEqualTo(form.apiRoot());
        assertThat(url.url(OpenMeterUrl.METERS)).isEqualTo(form.apiRoot() + "/meters");
        assertThat(OpenMeterUrl.resolve(form.url(), "auto")).isEqualTo(url);
    }

    @Test
    void the_documented_table_covers_the_forms_the_issue_names() {
        assertThat(OpenMeterUrlForms.documented())
                .extracting(OpenMeterUrlForms.Form::url)
                .contains(
                        "http://openmeter:8888",
                        "http://openmeter:8888/api/v1",
                        "http://openmeter:8888/api/v3/openmeter",
                        "https://us.api.konghq.com",
                        "https://us.api.konghq.com/v3",
                        "https://us.api.konghq.com/v3/openmeter");
    }

    @Test
    void the_two_urls_delivery_used_to_get_wrong_now_agree_with_the_bootstrap() {
        assertThat(OpenMeterUrl.resolve("https://us.api.konghq.com/v3").ingestUrl())
                .isEqualTo("https://us.api.konghq.com/v3/openmeter/events");
        assertThat(OpenMeterUrl.resolve("http://openmeter:8888/api/v1").ingestUrl())
                .isEqualTo("http://openmeter:8888/api/v1/events");
        assertThat(OpenMeterUrl.resolve("https://eu.api.konghq.com/v3/", "auto").apiRoot())
                .isEqualTo("https://eu.api.konghq.com/v3/openmeter");
    }

    @Test
    void every_konnect_region_host_is_v3() {
        for (String region : List.of("us", "eu", "au", "me", "in")) {
            assertThat(OpenMeterUrl.resolve("https://" + region + ".api.konghq.com/"))
                    .isEqualTo(new OpenMeterUrl("https://" + region + ".api.konghq.com/v3/openmeter", Dialect.V3));
        }
    }

    @Test
    void a_forced_dialect_wins_for_a_proxy_prefix_but_may_not_contradict_the_path() {
        assertThat(OpenMeterUrl.resolve("http://gateway.internal/metering", "v3")
                        .apiRoot())
                .isEqualTo("http://gateway.internal/metering/openmeter");
        assertThat(OpenMeterUrl.resolve("http://gateway.internal/metering", "auto"))
                .isEqualTo(new OpenMeterUrl("http://gateway.internal/metering/api/v1", Dialect.V1));
        assertThat(OpenMeterUrl.resolve("http://openmeter:8888", "V3"))
                .isEqualTo(new OpenMeterUrl("http://openmeter:8888/api/v3/openmeter", Dialect.V3));
        assertThat(OpenMeterUrl.resolve("https://us.api.konghq.com/v3/openmeter", "v3")
                        .apiRoot())
                .isEqualTo("https://us.api.konghq.com/v3/openmeter");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("https://us.api.konghq.com/v3/openmeter", "v1"))
                .hasMessageContaining("names the v3 API, but dialect v1");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("http://openmeter:8888/api/v1", "v3"))
                .hasMessageContaining("names the v1 API, but dialect v3");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("http://x", "v2")).hasMessageContaining("auto, v1 or v3");
    }

    @Test
    void urls_that_are_not_plain_http_endpoints_are_refused_without_echoing_credentials() {
        assertThatThrownBy(() -> OpenMeterUrl.resolve("openmeter:8888")).hasMessageContaining("http://");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("")).hasMessageContaining("http://");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("ftp://openmeter")).hasMessageContaining("http://");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("https://user:s3cret@us.api.konghq.com/v3"))
                .hasMessageContaining("OPENMETER_API_KEY")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> OpenMeterUrl.resolve("http://openmeter:8888/api/v1?x=1"))
                .hasMessageContaining("query");
    }
}
