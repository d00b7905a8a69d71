package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline and the bootstrap CLI read the same catalog file ({@code CATALOG_FILE}): changing a markup rule in it
 * changes {@code billable_usd_micros} of the events metered after a restart.
 */
class CatalogFileTest extends PipelineTestSupport {

    @TempDir
    Path dir;

    @Test
    void a_markup_rule_changed_in_the_catalog_file_changes_billable_usd_micros() throws Exception {
        String reference;
        try (InputStream in = Catalog.class.getClassLoader().getResourceAsStream(Catalog.DEFAULT_RESOURCE)) {
            reference = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(reference).contains("pipeline: live-video-to-video\n    model_id: \"*\"\n    percent: 15");
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, reference);
        assertThat(bootstrapValidates(catalog)).isTrue();

        Stage stage = stage(TestDatabases.h2(), 1);
        FakeOpenMeter openMeter = openMeter();
        Map<String, String> props = Map.of("clearinghouse.metering.catalog-file", catalog.toString());
        ClearinghouseApp app = start(stage, openMeter.v1BaseUrl(), props);
        String first = UUID.randomUUID().toString();
        kafka.send(stage.topic(), first, signedTicket(first, "acme:alice", "1000000000000000", "live-video-to-video"));
        eventually().until(() -> openMeter.acceptedEvents().size() == 1);
        app.close();

        Files.writeString(catalog, reference.replace("percent: 15", "percent: 50"));
        assertThat(bootstrapValidates(catalog)).isTrue();
        start(stage, openMeter.v1BaseUrl(), props);
        String second = UUID.randomUUID().toString();
        kafka.send(
                stage.topic(), second, signedTicket(second, "acme:alice", "1000000000000000", "live-video-to-video"));
        eventually().until(() -> openMeter.acceptedEvents().size() == 2);

        JsonNode before = openMeter.acceptedEvents().get(0).path("data");
        JsonNode after = openMeter.acceptedEvents().get(1).path("data");
        assertThat(before.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(before.path("billable_usd_micros").decimalValue()).isEqualByComparingTo("3450000");
        assertThat(after.path("network_fee_usd_micros").decimalValue()).isEqualByComparingTo("3000000");
        assertThat(after.path("billable_usd_micros").decimalValue()).isEqualByComparingTo("4500000");
    }

    /**
     * What {@code ./clearinghouse bootstrap validate --catalog FILE} checks (the command itself is tested in the
     * {@code cli} module): the file parses and passes the validator the bootstrap uses.
     */
    static boolean bootstrapValidates(Path catalog) throws Exception {
        try (InputStream in = Files.newInputStream(catalog)) {
            CatalogValidator.requireValid(Catalog.parse(in), catalog.toString());
            return true;
        }
    }

    @Test
    void the_pipeline_refuses_a_catalog_the_bootstrap_would_refuse() throws Exception {
        Path catalog = dir.resolve("typo.yaml");
        Files.writeString(
                catalog, "markup_rules:\n  - {pipeline: live-video-to-video, model_id: \"*\", percent: 1500}\n");
        Stage stage = stage(TestDatabases.h2(), 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> start(stage, null, Map.of("clearinghouse.metering.catalog-file", catalog.toString())))
                .hasStackTraceContaining("markup_rules[0].percent: must be a number from 0 to 1000");
    }
}
