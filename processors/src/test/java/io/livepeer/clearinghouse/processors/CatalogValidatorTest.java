package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogException;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator.Problem;
import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogValidatorTest {

    static final String METER = """
            meters:
              - key: billable_usd_micros
                name: Billable
                event_type: create_signed_ticket
                aggregation: SUM
                value_property: $.billable_usd_micros
                dimensions: {pipeline: $.pipeline}
            """;

    static final String FEATURE = """
            features:
              - key: billable_spend
                name: Billable spend
                meter: billable_usd_micros
            """;

    static String plan(String rateCard) {
        return """
                default_plan: ppu
                plans:
                  - key: ppu
                    name: Pay per use
                    currency: USD
                    billing_cadence: P1M
                    phases:
                      - key: default
                        name: Default
                        rate_cards:
                """ + rateCard.indent(10);
    }

    static final String CARD = """
            - key: billable_spend
              name: Billable
              feature: billable_spend
              price: {type: unit, amount: "0.000001"}
            """;

    static List<Problem> problems(String yaml) {
        return CatalogValidator.validate(
                Catalog.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))));
    }

    static List<String> paths(String yaml) {
        return problems(yaml).stream().map(Problem::path).toList();
    }

    @Test
    void the_reference_catalog_and_a_minimal_catalog_are_valid() {
        assertThat(CatalogValidator.validate(Catalog.defaultCatalog())).isEmpty();
        assertThat(problems(METER + FEATURE + plan(CARD))).isEmpty();
    }

    @Test
    void keys_must_match_openmeters_resource_key_pattern_and_be_unique() {
        assertThat(problems(METER.replace("key: billable_usd_micros", "key: Billable-USD")))
                .extracting(Problem::path)
                .contains("meters[0].key");
        assertThat(paths(METER.replace("key: billable_usd_micros", "key: " + "a".repeat(65))))
                .contains("meters[0].key");
        assertThat(paths(METER.replace("key: billable_usd_micros", "key: double__underscore")))
                .contains("meters[0].key");
        assertThat(paths(METER.replace("key: billable_usd_micros", "key: trailing_")))
                .contains("meters[0].key");
        assertThat(paths(METER + METER.replace("meters:\n", ""))).containsExactly("meters[1].key");
        assertThat(paths(METER + FEATURE.replace("key: billable_spend", "key: Billable Spend")))
                .containsExactly("features[0].key");
        assertThat(paths(METER
                        + FEATURE
                        + plan(CARD)
                                .replace("key: ppu", "key: pay-per-use")
                                .replace("default_plan: ppu", "default_plan: pay-per-use")))
                .containsExactly("plans[0].key");
        assertThat(problems(METER.replace("key: billable_usd_micros", "key: Billable-USD"))
                        .get(0)
                        .message())
                .contains("^[a-z0-9]+(?:_[a-z0-9]+)*$");
    }

    @Test
    void a_rate_cards_key_must_equal_its_features_key() {
        List<Problem> found = problems(METER + FEATURE + plan(CARD.replace("key: billable_spend", "key: usage")));
        assertThat(found).extracting(Problem::path).containsExactly("plans[0].phases[0].rate_cards[0].key");
        assertThat(found.get(0).message()).contains("must equal its feature's key (billable_spend)");
        assertThat(paths(METER + FEATURE + plan(CARD.replace("  feature: billable_spend\n", ""))))
                .containsExactly("plans[0].phases[0].rate_cards[0].feature");
        assertThat(paths(METER + plan(CARD))).containsExactly("plans[0].phases[0].rate_cards[0].feature");
    }

    @Test
    void features_only_on_sum_count_unique_count_or_latest_meters() {
        for (String ok : List.of("SUM", "UNIQUE_COUNT", "LATEST", "sum")) {
            assertThat(problems(METER.replace("aggregation: SUM", "aggregation: " + ok) + FEATURE))
                    .as(ok)
                    .isEmpty();
        }
        for (String refused : List.of("AVG", "MIN", "MAX")) {
            List<Problem> found = problems(METER.replace("aggregation: SUM", "aggregation: " + refused) + FEATURE);
            assertThat(found).as(refused).extracting(Problem::path).containsExactly("features[0].meter");
            assertThat(found.get(0).message()).contains("SUM, COUNT, UNIQUE_COUNT or LATEST");
        }
        assertThat(paths(METER + FEATURE.replace("meter: billable_usd_micros", "meter: nope")))
                .containsExactly("features[0].meter");
        assertThat(paths(METER.replace("aggregation: SUM", "aggregation: MEDIAN")))
                .containsExactly("meters[0].aggregation");
    }

    @Test
    void count_meters_take_no_value_property_and_the_others_need_one() {
        assertThat(paths(METER.replace("aggregation: SUM", "aggregation: COUNT")))
                .containsExactly("meters[0].value_property");
        assertThat(problems(METER.replace("aggregation: SUM", "aggregation: COUNT")
                        .replace("    value_property: $.billable_usd_micros\n", "")))
                .isEmpty();
        assertThat(paths(METER.replace("    value_property: $.billable_usd_micros\n", "")))
                .containsExactly("meters[0].value_property");
        assertThat(paths(METER.replace("value_property: $.billable_usd_micros", "value_property: billable")))
                .containsExactly("meters[0].value_property");
        assertThat(paths(METER.replace("{pipeline: $.pipeline}", "{pipeline-name: $.pipeline, fee: fee}")))
                .containsExactlyInAnyOrder("meters[0].dimensions.pipeline-name", "meters[0].dimensions.fee");
        assertThat(paths(METER.replace("    event_type: create_signed_ticket\n", "")))
                .containsExactly("meters[0].event_type");
    }

    @Test
    void markup_percentages_must_be_between_0_and_1000_and_rules_must_not_overlap() {
        Catalog catalog = new Catalog(
                null,
                List.of(),
                List.of(),
                List.of(),
                List.of(
                        new MarkupRule("*", "*", BigDecimal.ZERO),
                        new MarkupRule("live-video-to-video", "*", new BigDecimal("1500")),
                        new MarkupRule("live-video-to-video", null, BigDecimal.TEN),
                        new MarkupRule("text-to-image", "sdxl", new BigDecimal("-1"))));
        assertThat(CatalogValidator.validate(catalog))
                .extracting(Problem::path)
                .containsExactly("markup_rules[1].percent", "markup_rules[2]", "markup_rules[3].percent");
        assertThat(problems("markup_rules:\n  - {pipeline: live, model_id: \"*\", percent: 12.5}\n"))
                .isEmpty();
    }

    @Test
    void prices_cadences_phases_and_the_default_plan_are_checked() {
        assertThat(paths(METER + FEATURE + plan(CARD.replace("amount: \"0.000001\"", "amount: \"a dollar\""))))
                .containsExactly("plans[0].phases[0].rate_cards[0].price.amount");
        assertThat(paths(METER + FEATURE + plan(CARD.replace("amount: \"0.000001\"", "amount: \"-1\""))))
                .containsExactly("plans[0].phases[0].rate_cards[0].price.amount");
        assertThat(paths(METER + FEATURE + plan(CARD).replace("billing_cadence: P1M", "billing_cadence: monthly")))
                .containsExactly("plans[0].billing_cadence");
        assertThat(paths(METER + FEATURE + plan(CARD).replace("currency: USD", "currency: dollars")))
                .containsExactly("plans[0].currency");
        assertThat(paths(METER + FEATURE + plan(CARD).replace("default_plan: ppu", "default_plan: gold")))
                .containsExactly("default_plan");
        String tiered = CARD.replace("price: {type: unit, amount: \"0.000001\"}", """
                price:
                    type: tiered
                    mode: graduated
                    tiers:
                      - {up_to_amount: "1000000", unit_price: "0.000001"}
                      - {up_to_amount: "500", unit_price: "0.0000009"}
                      - {}""");
        assertThat(paths(METER + FEATURE + plan(tiered)))
                .containsExactly(
                        "plans[0].phases[0].rate_cards[0].price.tiers[1].up_to_amount",
                        "plans[0].phases[0].rate_cards[0].price.tiers[2]");
        assertThat(paths(METER + FEATURE + plan(tiered.replace("mode: graduated", "mode: stairs"))))
                .contains("plans[0].phases[0].rate_cards[0].price.mode");
        String twoPhases = plan(CARD) + """
                      - key: later
                        name: Later
                        rate_cards: []
                """;
        assertThat(paths(METER + FEATURE + twoPhases)).containsExactly("plans[0].phases[0].duration");
        assertThat(problems(METER
                        + FEATURE
                        + twoPhases.replace("name: Default\n", "name: Default\n        duration: P1M\n")))
                .isEmpty();
    }

    @Test
    void require_valid_lists_every_problem() {
        Catalog bad = new Catalog(
                "gold",
                List.of(new Catalog.Meter("Bad-Key", "x", null, "e", "SUM", null, Map.of())),
                List.of(),
                List.of(),
                List.of());
        assertThatThrownBy(() -> CatalogValidator.requireValid(bad))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("catalog has 3 problems")
                .hasMessageContaining("meters[0].key")
                .hasMessageContaining("meters[0].value_property")
                .hasMessageContaining("default_plan");
    }
}
