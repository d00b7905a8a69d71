package io.livepeer.clearinghouse.processors.catalog;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import io.livepeer.clearinghouse.processors.markup.MarkupRules;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The metering catalog: OpenMeter/Konnect meters, features and plans, plus the markup rules the pipeline applies.
 * One YAML file serves both the metering pipeline (markup rules) and the {@code bootstrap} CLI (everything else).
 *
 * <p>Shape (snake_case keys): {@code default_plan}, {@code meters[]}, {@code features[]}, {@code plans[]},
 * {@code markup_rules[]}; see {@code clearinghouse/catalog.yaml} on the classpath for the reference catalog of
 * DESIGN.md §6. Unknown keys are refused so that a typo does not silently drop a rule.
 *
 * @param defaultPlan key of the plan customers are subscribed to by default, may be null
 * @param meters      meters (key, event type, aggregation, value property, dimensions)
 * @param features    features (key, meter key)
 * @param plans       plans with phases and rate cards
 * @param markupRules markup rules in file order
 */
public record Catalog(
        String defaultPlan,
        List<Meter> meters,
        List<Feature> features,
        List<Plan> plans,
        List<MarkupRule> markupRules) {

    /** Classpath location of the reference catalog shipped with the application. */
    public static final String DEFAULT_RESOURCE = "clearinghouse/catalog.yaml";

    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    public Catalog {
        meters = meters == null ? List.of() : List.copyOf(meters);
        features = features == null ? List.of() : List.copyOf(features);
        plans = plans == null ? List.of() : List.copyOf(plans);
        markupRules = markupRules == null ? List.of() : List.copyOf(markupRules);
    }

    /**
     * Parses a catalog.
     *
     * @param yaml the catalog YAML (JSON is valid YAML too)
     * @return the catalog
     * @throws CatalogException when the document is not a readable catalog (the message names the line and field)
     */
    public static Catalog parse(InputStream yaml) {
        try {
            Catalog catalog = YAML.readValue(yaml, Catalog.class);
            if (catalog == null) {
                throw new CatalogException("catalog is empty");
            }
            for (int i = 0; i < catalog.markupRules().size(); i++) {
                MarkupRule rule = catalog.markupRules().get(i);
                if (rule.percent() == null || rule.percent().signum() < 0) {
                    throw new CatalogException("markup_rules[" + i + "] (pipeline " + rule.pipeline() + ", model_id "
                            + rule.modelId() + "): percent must be a number of at least 0");
                }
            }
            return catalog;
        } catch (JacksonException e) {
            String where = e instanceof JsonMappingException mapping ? path(mapping) : "";
            throw new CatalogException(
                    "catalog is not valid" + (where.isEmpty() ? "" : " at " + where) + ": "
                            + e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", ""),
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException("catalog could not be read", e);
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The reference catalog shipped on the classpath ({@value #DEFAULT_RESOURCE}). */
    public static Catalog defaultCatalog() {
        try (InputStream in = Catalog.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new CatalogException("reference catalog " + DEFAULT_RESOURCE + " is missing from the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The markup rules as a matcher. */
    public MarkupRules markup() {
        return new MarkupRules(markupRules);
    }

    /** The meter with this key, if any. */
    public Optional<Meter> meter(String key) {
        return meters.stream().filter(m -> m.key().equals(key)).findFirst();
    }

    /** The feature with this key, if any. */
    public Optional<Feature> feature(String key) {
        return features.stream().filter(f -> f.key().equals(key)).findFirst();
    }

    /** The plan with this key, if any. */
    public Optional<Plan> plan(String key) {
        return plans.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    /**
     * A meter on an event type.
     *
     * @param key           meter key (OpenMeter v1 {@code slug}), {@code ^[a-z0-9]+(?:_[a-z0-9]+)*$}, ≤ 64
     * @param name          display name
     * @param description   description, may be null
     * @param eventType     CloudEvent type counted, e.g. {@code create_signed_ticket}
     * @param aggregation   SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX or LATEST (case-insensitive)
     * @param valueProperty JSONPath of the value ({@code $.fee_wei}); none for COUNT
     * @param dimensions    group-by name → JSONPath
     */
    public record Meter(
            String key,
            String name,
            String description,
            String eventType,
            String aggregation,
            String valueProperty,
            Map<String, String> dimensions) {
        public Meter {
            dimensions = dimensions == null ? Map.of() : Map.copyOf(dimensions);
        }
    }

    /**
     * A feature: what a rate card or entitlement meters.
     *
     * @param key  feature key (also the key of rate cards that price it)
     * @param name display name
     * @param meter key of the meter behind it
     */
    public record Feature(String key, String name, String meter) {}

    /**
     * A plan (OpenMeter product catalog).
     *
     * @param key            plan key
     * @param name           display name
     * @param description    description, may be null
     * @param currency       ISO currency, e.g. USD
     * @param billingCadence ISO 8601 duration, e.g. P1M
     * @param phases         phases; only the last may have no duration
     */
    public record Plan(
            String key, String name, String description, String currency, String billingCadence, List<Phase> phases) {
        public Plan {
            phases = phases == null ? List.of() : List.copyOf(phases);
        }
    }

    /**
     * @param key       phase key
     * @param name      display name
     * @param duration  ISO 8601 duration, null for the last (open-ended) phase
     * @param rateCards rate cards of this phase
     */
    public record Phase(String key, String name, String duration, List<RateCard> rateCards) {
        public Phase {
            rateCards = rateCards == null ? List.of() : List.copyOf(rateCards);
        }
    }

    /**
     * A usage-based rate card.
     *
     * @param key            rate card key; must equal {@code feature}
     * @param name           display name
     * @param feature        feature key priced by this card
     * @param billingCadence ISO 8601 duration, defaults to the plan's cadence when null
     * @param price          the price
     */
    public record RateCard(String key, String name, String feature, String billingCadence, Price price) {}

    /**
     * A usage price: {@code unit} (amount per unit) or {@code tiered} (mode {@code graduated} or {@code volume}).
     * Amounts are decimal strings, as OpenMeter's {@code Numeric}.
     *
     * @param type   {@code unit} or {@code tiered}
     * @param amount unit price (for {@code unit})
     * @param mode   {@code graduated} or {@code volume} (for {@code tiered})
     * @param tiers  tiers (for {@code tiered})
     */
    public record Price(String type, String amount, String mode, List<Tier> tiers) {
        public Price {
            tiers = tiers == null ? List.of() : List.copyOf(tiers);
        }
    }

    /**
     * @param upToAmount upper bound of the tier (null for the last tier)
     * @param unitPrice  price per unit in the tier, may be null
     * @param flatPrice  flat price of the tier, may be null
     */
    public record Tier(String upToAmount, String unitPrice, String flatPrice) {}
}
