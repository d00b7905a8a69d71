package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CatalogTest {

    @Test
    void the_reference_catalog_holds_the_meters_features_plan_and_markup_of_the_design() {
        Catalog catalog = Catalog.defaultCatalog();
        assertThat(catalog.meters())
                .extracting(Catalog.Meter::key)
                .containsExactly(
                        "network_fee_usd_micros",
                        "billable_usd_micros",
                        "signed_ticket_count",
                        "fee_wei",
                        "billable_secs");
        assertThat(catalog.meter("signed_ticket_count").orElseThrow().valueProperty())
                .isNull();
        assertThat(catalog.meter("fee_wei").orElseThrow().dimensions())
                .containsKeys("client_id", "external_user_id", "pipeline", "model_id", "manifest_id");
        assertThat(catalog.meter("billable_usd_micros").orElseThrow().dimensions())
                .hasSize(4);
        assertThat(catalog.features())
                .extracting(Catalog.Feature::key)
                .containsExactly("network_spend", "billable_spend");
        Catalog.Plan plan = catalog.plan("clearinghouse_default_ppu").orElseThrow();
        assertThat(plan.currency()).isEqualTo("USD");
        assertThat(plan.billingCadence()).isEqualTo("P1M");
        Catalog.RateCard card = plan.phases().get(0).rateCards().get(0);
        assertThat(card.key()).isEqualTo("billable_spend");
        assertThat(card.price().amount()).isEqualTo("0.000001");
        assertThat(catalog.defaultPlan()).isEqualTo("clearinghouse_default_ppu");
        assertThat(catalog.markup().percentFor("live-video-to-video", "unknown"))
                .isEqualByComparingTo("15");
        assertThat(catalog.markup().percentFor("live", "unknown")).isEqualByComparingTo("0");
    }

    @Test
    void a_misspelt_key_is_refused_with_its_path() {
        String yaml = "markup_rules:\n  - pipeline: live\n    percnt: 5\n";
        assertThatThrownBy(() -> Catalog.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("at markup_rules[0].percnt")
                .hasMessageContaining("Unrecognized field \"percnt\"");
    }

    @Test
    void a_markup_rule_without_percent_is_refused() {
        String yaml = "markup_rules:\n  - pipeline: live\n";
        assertThatThrownBy(() -> Catalog.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("markup_rules[0] (pipeline live, model_id *): percent must be a number");
    }
}
