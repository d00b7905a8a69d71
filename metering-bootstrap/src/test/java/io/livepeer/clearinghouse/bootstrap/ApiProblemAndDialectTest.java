package io.livepeer.clearinghouse.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ApiProblemAndDialectTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void konnect_problems_name_the_offending_fields() throws Exception {
        ApiProblem p = ApiProblem.of("create meter fee_wei", 400, JSON.readTree("""
                {"status":400,"title":"Bad Request","instance":"kong:trace:1","detail":"Invalid request",
                 "invalid_parameters":[{"field":"key","rule":"matches_regex","reason":"must match ^[a-z0-9]+$",
                 "source":"body"},{"field":"aggregation","rule":"enum","reason":"must be one of sum, count",
                 "choices":["sum","count"]}]}"""), null);
        assertThat(p.getMessage()).isEqualTo("""
                create meter fee_wei: HTTP 400 Bad Request: Invalid request
                    - key: must match ^[a-z0-9]+$
                    - aggregation: must be one of sum, count""");
        assertThat(p.fields()).hasSize(2);
    }

    @Test
    void openmeter_v1_problems_show_their_validation_errors() throws Exception {
        ApiProblem p = ApiProblem.of("create plan ppu", 400, JSON.readTree("""
                {"type":"about:blank","title":"Bad Request","status":400,"detail":"validation error",
                 "instance":"urn:request:x","extensions":{"validationErrors":[{"field":"phases/0/rateCards/0/key",
                 "code":"rate_card_key_feature_key_mismatch","message":"rate card key must match feature key"}]}}"""),
                null);
        assertThat(p.getMessage()).contains("create plan ppu: HTTP 400 Bad Request: validation error")
                .contains("- phases/0/rateCards/0/key: rate card key must match feature key");
    }

    @Test
    void auth_failures_explain_which_token_and_role() {
        assertThat(ApiProblem.of("list meters", 401, null, "").getMessage()).contains("OPENMETER_API_KEY")
                .contains("kpat_").contains("spat_");
        assertThat(ApiProblem.of("list meters", 403, null, "forbidden").getMessage())
                .contains("list meters: HTTP 403: forbidden").contains("Metering & Billing Admin role");
    }

    @Test
    void the_dialect_follows_the_url_as_operators_write_it() {
        assertThat(Dialect.resolve("https://us.api.konghq.com/v3/openmeter", null))
                .isEqualTo(new Dialect.Endpoint("https://us.api.konghq.com/v3/openmeter", Dialect.V3));
        assertThat(Dialect.resolve("https://eu.api.konghq.com/v3/", "auto").apiRoot())
                .isEqualTo("https://eu.api.konghq.com/v3/openmeter");
        assertThat(Dialect.resolve("http://openmeter:8888/api/v3/openmeter/events", null).apiRoot())
                .isEqualTo("http://openmeter:8888/api/v3/openmeter");
        assertThat(Dialect.resolve("http://openmeter:8888", null))
                .isEqualTo(new Dialect.Endpoint("http://openmeter:8888/api/v1", Dialect.V1));
        assertThat(Dialect.resolve("http://openmeter:8888/api/v1/", null).apiRoot())
                .isEqualTo("http://openmeter:8888/api/v1");
        assertThat(Dialect.resolve("http://gateway.internal/metering", "v3").apiRoot())
                .isEqualTo("http://gateway.internal/metering/openmeter");
        assertThatThrownBy(() -> Dialect.resolve("openmeter:8888", null)).hasMessageContaining("http://");
        assertThatThrownBy(() -> Dialect.resolve("http://x", "v2")).hasMessageContaining("auto, v1 or v3");
    }

    @Test
    void amounts_compare_as_numbers_not_as_text() {
        assertThat(PlanSpec.decimal("0.0000010")).isEqualTo("0.000001");
        assertThat(PlanSpec.decimal("0.0000001")).isEqualTo("0.0000001");
        assertThat(PlanSpec.decimal("100")).isEqualTo("100");
        assertThat(PlanSpec.decimal("1E+2")).isEqualTo("100");
        assertThat(PlanSpec.decimal("0.00")).isEqualTo("0");
    }
}
