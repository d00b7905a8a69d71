package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scheduled outbox ↔ OpenMeter reconciliation in the running application: in sync while OpenMeter counts what
 * was delivered, then the drift metrics follow OpenMeter double-counting and losing usage, in both dialects.
 */
class ReconcileFlowTest extends PipelineTestSupport {

    static final String NETWORK_DRIFT = "clearinghouse_openmeter_drift_usd_micros{meter=\"network_fee_usd_micros\"} ";
    static final String EVENTS_DRIFT = "clearinghouse_openmeter_drift_events{meter=\"signed_ticket_count\"} ";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void drift_metrics_follow_what_openmeter_counted(String dialect) throws Exception {
        FakeOpenMeter openMeter = openMeter().defineReferenceMeters();
        Stage stage = stage(TestDatabases.h2(), 1);
        start(
                stage,
                dialect.equals("v1") ? openMeter.v1BaseUrl() : openMeter.v3BaseUrl(),
                Map.of(
                        "clearinghouse.reconcile.enabled", "true",
                        "clearinghouse.reconcile.interval", "200ms",
                        "clearinghouse.reconcile.initial-delay", "0",
                        "clearinghouse.reconcile.window", "1h",
                        "clearinghouse.reconcile.settle", "0s"));
        List<String> ids = validIds(3);
        for (String id : ids) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme", "1000000000000000", "live"));
        }
        eventually().untilAsserted(() -> {
            assertThat(openMeter.acceptedDistinct()).isEqualTo(3);
            String metrics = metrics(stage);
            assertThat(metrics).contains("clearinghouse_openmeter_drift_subjects{drift=\"in-sync\"} 1.0");
            assertThat(metrics).contains(NETWORK_DRIFT + "0.0").contains(EVENTS_DRIFT + "0.0");
            assertThat(metrics).doesNotContain("clearinghouse_reconcile_last_success_timestamp_seconds 0.0");
        });

        openMeter.doubleUsageOf(e -> true);
        eventually()
                .untilAsserted(() -> assertThat(metrics(stage))
                        .contains(NETWORK_DRIFT + "9000000.0")
                        .contains(EVENTS_DRIFT + "3.0")
                        .contains("clearinghouse_openmeter_drift_subjects{drift=\"double-counted\"} 1.0")
                        .containsPattern("clearinghouse_reconcile_runs_total\\{outcome=\"drift\"} [1-9]"));

        openMeter
                .doubleUsageOf(e -> false)
                .loseUsageOf(e -> e.path("id").asText().equals(ids.get(0)));
        eventually()
                .untilAsserted(() -> assertThat(metrics(stage))
                        .contains(NETWORK_DRIFT + "3000000.0")
                        .contains("clearinghouse_openmeter_drift_subjects{drift=\"missing\"} 1.0"));
        assertThat(openMeter.contractViolations()).isEmpty();
    }

    @Test
    void a_failing_check_is_counted_and_leaves_metering_alone() throws Exception {
        // no meters defined: every query is a 404
        FakeOpenMeter openMeter = openMeter();
        Stage stage = stage(TestDatabases.h2(), 1);
        start(
                stage,
                openMeter.v1BaseUrl(),
                Map.of(
                        "clearinghouse.reconcile.enabled", "true",
                        "clearinghouse.reconcile.interval", "200ms",
                        "clearinghouse.reconcile.initial-delay", "0"));
        String id = validIds(1).get(0);
        kafka.send(stage.topic(), id, signedTicket(id, "acme", "1000000000000000", "live"));
        eventually().untilAsserted(() -> {
            assertThat(openMeter.acceptedDistinct()).isEqualTo(1);
            String metrics = metrics(stage);
            assertThat(metrics).containsPattern("clearinghouse_reconcile_runs_total\\{outcome=\"failure\"} [1-9]");
            assertThat(metrics).contains("clearinghouse_reconcile_last_success_timestamp_seconds 0.0");
            assertThat(metrics).doesNotContain("clearinghouse_reconcile_last_run_timestamp_seconds 0.0");
        });
        assertThat(get(stage.managementPort(), "/observe/health").statusCode()).isEqualTo(200);
    }

    static String metrics(Stage stage) throws Exception {
        return get(stage.managementPort(), "/observe/metrics").body();
    }
}
