package io.livepeer.clearinghouse.openmeter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Problem details of both dialects, made readable. */
class ApiProblemTest {

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
                 "code":"rate_card_key_feature_key_mismatch","message":"rate card key must match feature key"}]}}"""), null);
        assertThat(p.getMessage())
                .contains("create plan ppu: HTTP 400 Bad Request: validation error")
                .contains("- phases/0/rateCards/0/key: rate card key must match feature key");
    }

    @Test
    void auth_failures_explain_which_token_and_role() {
        assertThat(ApiProblem.of("list meters", 401, null, "").getMessage())
                .contains("OPENMETER_API_KEY")
                .contains("kpat_")
                .contains("spat_");
        assertThat(ApiProblem.of("list meters", 403, null, "forbidden").getMessage())
                .contains("list meters: HTTP 403: forbidden")
                .contains("Metering & Billing Admin role");
    }

    @Test
    void a_response_reads_as_the_same_problem() {
        OpenMeterResponse response = new OpenMeterResponse(400, Optional.empty(), """
                {"status":400,"title":"Bad Request","detail":"Invalid request",
                 "invalid_parameters":[{"field":"data","rule":"is_valid","reason":"data must be an object"}]}""");
        assertThat(response.problem("ingest events").getMessage())
                .isEqualTo("ingest events: HTTP 400 Bad Request: Invalid request\n    - data: data must be an object");
        assertThat(new OpenMeterResponse(502, Optional.empty(), "<html>bad gateway</html>")
                        .problem("x")
                        .detail())
                .isEqualTo("<html>bad gateway</html>");
    }
}
