package io.livepeer.clearinghouse.processors.catalog;

import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Offline checks of a {@link Catalog} against the rules OpenMeter and Konnect enforce on create (DESIGN.md §6;
 * OpenMeter {@code openmeter/meter/meter.go}, {@code openmeter/productcatalog/ratecard.go},
 * {@code openmeter/productcatalog/feature/connector.go}), so that a bad catalog fails before any remote write:
 * <ul>
 *   <li>keys of meters, features, plans, phases and rate cards match {@value #KEY_PATTERN}, at most 64 characters,
 *       unique within their list;</li>
 *   <li>meters have an event type and a known aggregation; COUNT meters take no value property, every other
 *       aggregation needs one starting with {@code $}; dimension names match {@code ^[a-zA-Z_][0-9a-zA-Z_]*$} and
 *       their JSONPath starts with {@code $} and differs from the value property;</li>
 *   <li>features name an existing meter whose aggregation is SUM, COUNT, UNIQUE_COUNT or LATEST;</li>
 *   <li>plans have a currency (ISO 4217 letters), an ISO 8601 billing cadence and at least one phase; only the last
 *       phase may be open-ended; a rate card's key equals the key of the (existing) feature it prices; prices are
 *       {@code unit} with a non-negative decimal amount or {@code tiered} ({@code graduated}/{@code volume}) with
 *       ascending tiers, only the last open-ended;</li>
 *   <li>the default plan exists;</li>
 *   <li>markup rules have a percent between 0 and {@value #MAX_MARKUP_PERCENT} and no two rules match the same
 *       (pipeline, model_id).</li>
 * </ul>
 */
public final class CatalogValidator {

    /** OpenMeter's {@code ResourceKey} pattern. */
    public static final String KEY_PATTERN = "^[a-z0-9]+(?:_[a-z0-9]+)*$";
    /** Longest key OpenMeter accepts. */
    public static final int MAX_KEY_LENGTH = 64;
    /** Highest markup accepted, in percent: a guard against a misplaced decimal point (1500 for 15). */
    public static final int MAX_MARKUP_PERCENT = 1000;
    /** Aggregations OpenMeter knows. */
    public static final Set<String> AGGREGATIONS =
            Set.of("SUM", "COUNT", "UNIQUE_COUNT", "AVG", "MIN", "MAX", "LATEST");
    /** Aggregations a feature may be built on. */
    public static final Set<String> FEATURE_AGGREGATIONS = Set.of("SUM", "COUNT", "UNIQUE_COUNT", "LATEST");

    private static final Pattern KEY = Pattern.compile(KEY_PATTERN);
    private static final Pattern DIMENSION = Pattern.compile("^[a-zA-Z_][0-9a-zA-Z_]*$");
    private static final Pattern NUMERIC = Pattern.compile("^-?[0-9]+(\\.[0-9]+)?$");
    private static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");

    /**
     * One problem of a catalog.
     *
     * @param path    where, e.g. {@code meters[2].value_property} or {@code plans[0].phases[0].rate_cards[1].key}
     * @param message what is wrong and what is expected
     */
    public record Problem(String path, String message) {
        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    private final List<Problem> problems = new ArrayList<>();

    private CatalogValidator() {}

    /**
     * Checks a catalog.
     *
     * @return the problems in catalog order, empty when the catalog is valid
     */
    public static List<Problem> validate(Catalog catalog) {
        CatalogValidator v = new CatalogValidator();
        v.meters(catalog);
        v.features(catalog);
        v.plans(catalog);
        v.markup(catalog);
        return List.copyOf(v.problems);
    }

    /**
     * Checks a catalog and throws on the first problems.
     *
     * @throws CatalogException listing every problem, one per line
     */
    public static Catalog requireValid(Catalog catalog) {
        return requireValid(catalog, null);
    }

    /**
     * Checks a catalog and throws on the first problems.
     *
     * @param source where the catalog comes from (a file), named in the message; may be null
     * @throws CatalogException listing every problem, one per line
     */
    public static Catalog requireValid(Catalog catalog, String source) {
        List<Problem> found = validate(catalog);
        if (!found.isEmpty()) {
            StringBuilder message = new StringBuilder("catalog " + (source == null ? "" : source + " ") + "has "
                    + found.size() + " problem" + (found.size() == 1 ? "" : "s") + ":");
            found.forEach(p -> message.append("\n  ").append(p));
            throw new CatalogException(message.toString());
        }
        return catalog;
    }

    /** The aggregation in OpenMeter v1 spelling (upper case), or the input when it is not a known one. */
    public static String aggregation(Catalog.Meter meter) {
        return meter.aggregation() == null ? null : meter.aggregation().trim().toUpperCase(Locale.ROOT);
    }

    private void meters(Catalog catalog) {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < catalog.meters().size(); i++) {
            Catalog.Meter m = catalog.meters().get(i);
            String at = "meters[" + i + "]";
            key(at, m.key(), keys, "meter");
            if (blank(m.eventType())) {
                add(at + ".event_type", "is required (the CloudEvent type counted, e.g. create_signed_ticket)");
            }
            String aggregation = aggregation(m);
            if (aggregation == null || !AGGREGATIONS.contains(aggregation)) {
                add(
                        at + ".aggregation",
                        "must be one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST, got "
                                + quote(m.aggregation()));
            } else if (aggregation.equals("COUNT")) {
                if (!blank(m.valueProperty())) {
                    add(
                            at + ".value_property",
                            "a COUNT meter takes no value property, got " + quote(m.valueProperty()));
                }
            } else if (blank(m.valueProperty())) {
                add(
                        at + ".value_property",
                        "is required for a " + aggregation + " meter (a JSONPath such as " + "$.billable_usd_micros)");
            } else if (!m.valueProperty().startsWith("$")) {
                add(at + ".value_property", "must be a JSONPath starting with $, got " + quote(m.valueProperty()));
            }
            for (Map.Entry<String, String> d : m.dimensions().entrySet()) {
                String dim = at + ".dimensions." + d.getKey();
                if (!DIMENSION.matcher(d.getKey()).matches()) {
                    add(dim, "dimension names must match ^[a-zA-Z_][0-9a-zA-Z_]*$");
                }
                if (d.getValue() == null || !d.getValue().startsWith("$")) {
                    add(dim, "must be a JSONPath starting with $, got " + quote(d.getValue()));
                } else if (d.getValue().equals(m.valueProperty())) {
                    add(dim, "must differ from the value property " + m.valueProperty());
                }
            }
        }
    }

    private void features(Catalog catalog) {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < catalog.features().size(); i++) {
            Catalog.Feature f = catalog.features().get(i);
            String at = "features[" + i + "]";
            key(at, f.key(), keys, "feature");
            if (blank(f.meter())) {
                add(at + ".meter", "is required (the key of the meter behind the feature)");
                continue;
            }
            var meter = catalog.meter(f.meter());
            if (meter.isEmpty()) {
                add(at + ".meter", "no meter " + quote(f.meter()) + " in the catalog");
            } else if (AGGREGATIONS.contains(aggregation(meter.get()))
                    && !FEATURE_AGGREGATIONS.contains(aggregation(meter.get()))) {
                add(
                        at + ".meter",
                        "meter " + f.meter() + " aggregates with " + aggregation(meter.get())
                                + ": features need a SUM, COUNT, UNIQUE_COUNT or LATEST meter");
            }
        }
    }

    private void plans(Catalog catalog) {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < catalog.plans().size(); i++) {
            Catalog.Plan p = catalog.plans().get(i);
            String at = "plans[" + i + "]";
            key(at, p.key(), keys, "plan");
            if (blank(p.name())) {
                add(at + ".name", "is required");
            }
            if (p.currency() == null || !CURRENCY.matcher(p.currency()).matches()) {
                add(at + ".currency", "must be a three-letter ISO 4217 code such as USD, got " + quote(p.currency()));
            }
            duration(at + ".billing_cadence", p.billingCadence(), true);
            if (p.phases().isEmpty()) {
                add(at + ".phases", "a plan needs at least one phase");
            }
            Set<String> phaseKeys = new HashSet<>();
            for (int j = 0; j < p.phases().size(); j++) {
                Catalog.Phase phase = p.phases().get(j);
                String ph = at + ".phases[" + j + "]";
                key(ph, phase.key(), phaseKeys, "phase");
                if (phase.duration() == null && j < p.phases().size() - 1) {
                    add(ph + ".duration", "only the last phase may be open-ended (no duration)");
                }
                duration(ph + ".duration", phase.duration(), false);
                Set<String> cardKeys = new HashSet<>();
                for (int k = 0; k < phase.rateCards().size(); k++) {
                    rateCard(
                            catalog,
                            ph + ".rate_cards[" + k + "]",
                            phase.rateCards().get(k),
                            cardKeys);
                }
            }
        }
        if (catalog.defaultPlan() != null && catalog.plan(catalog.defaultPlan()).isEmpty()) {
            add("default_plan", "no plan " + quote(catalog.defaultPlan()) + " in the catalog");
        }
    }

    private void rateCard(Catalog catalog, String at, Catalog.RateCard card, Set<String> keys) {
        key(at, card.key(), keys, "rate card");
        if (blank(card.feature())) {
            add(at + ".feature", "a usage-priced rate card must reference a feature");
        } else {
            if (catalog.feature(card.feature()).isEmpty()) {
                add(at + ".feature", "no feature " + quote(card.feature()) + " in the catalog");
            }
            if (card.key() != null && !card.key().equals(card.feature())) {
                add(
                        at + ".key",
                        "a rate card's key must equal its feature's key (" + card.feature() + "), got "
                                + quote(card.key()));
            }
        }
        duration(at + ".billing_cadence", card.billingCadence(), false);
        Catalog.Price price = card.price();
        if (price == null) {
            add(at + ".price", "is required");
            return;
        }
        String type = price.type() == null ? "" : price.type();
        switch (type) {
            case "unit" -> amount(at + ".price.amount", price.amount(), true);
            case "tiered" -> tiers(at + ".price", price);
            default -> add(at + ".price.type", "must be unit or tiered, got " + quote(price.type()));
        }
    }

    private void tiers(String at, Catalog.Price price) {
        if (!"graduated".equals(price.mode()) && !"volume".equals(price.mode())) {
            add(at + ".mode", "must be graduated or volume, got " + quote(price.mode()));
        }
        if (price.tiers().isEmpty()) {
            add(at + ".tiers", "a tiered price needs at least one tier");
        }
        BigDecimal previous = null;
        for (int t = 0; t < price.tiers().size(); t++) {
            Catalog.Tier tier = price.tiers().get(t);
            String ti = at + ".tiers[" + t + "]";
            boolean last = t == price.tiers().size() - 1;
            if (tier.upToAmount() == null) {
                if (!last) {
                    add(ti + ".up_to_amount", "only the last tier may be open-ended");
                }
            } else if (amount(ti + ".up_to_amount", tier.upToAmount(), true)) {
                BigDecimal upTo = new BigDecimal(tier.upToAmount());
                if (previous != null && upTo.compareTo(previous) <= 0) {
                    add(ti + ".up_to_amount", "tiers must be in ascending order of up_to_amount");
                }
                previous = upTo;
            }
            if (tier.unitPrice() == null && tier.flatPrice() == null) {
                add(ti, "a tier needs a unit_price or a flat_price");
            }
            if (tier.unitPrice() != null) {
                amount(ti + ".unit_price", tier.unitPrice(), true);
            }
            if (tier.flatPrice() != null) {
                amount(ti + ".flat_price", tier.flatPrice(), true);
            }
        }
    }

    private void markup(Catalog catalog) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < catalog.markupRules().size(); i++) {
            MarkupRule rule = catalog.markupRules().get(i);
            String at = "markup_rules[" + i + "]";
            if (rule.percent() == null
                    || rule.percent().signum() < 0
                    || rule.percent().compareTo(BigDecimal.valueOf(MAX_MARKUP_PERCENT)) > 0) {
                add(
                        at + ".percent",
                        "must be a number from 0 to " + MAX_MARKUP_PERCENT + " (percent, 15 for +15%), " + "got "
                                + rule.percent());
            }
            Integer earlier = seen.putIfAbsent(rule.pipeline() + "\u0000" + rule.modelId(), i);
            if (earlier != null) {
                add(
                        at,
                        "matches the same pipeline " + quote(rule.pipeline()) + " and model_id " + quote(rule.modelId())
                                + " as markup_rules[" + earlier + "]");
            }
        }
    }

    private void key(String at, String key, Set<String> seen, String what) {
        if (blank(key)) {
            add(at + ".key", "is required");
        } else if (key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches()) {
            add(
                    at + ".key",
                    quote(key) + " is not a valid " + what + " key: lower-case letters and digits in words "
                            + "joined by single underscores (" + KEY_PATTERN + "), at most " + MAX_KEY_LENGTH
                            + " characters");
        } else if (!seen.add(key)) {
            add(at + ".key", "duplicate " + what + " key " + quote(key));
        }
    }

    private void duration(String at, String value, boolean required) {
        if (value == null) {
            if (required) {
                add(at, "is required (an ISO 8601 duration such as P1M)");
            }
            return;
        }
        try {
            if (value.contains("T")) {
                if (Duration.parse(value).isNegative() || Duration.parse(value).isZero()) {
                    add(at, "must be a positive ISO 8601 duration, got " + quote(value));
                }
            } else if (Period.parse(value).isNegative() || Period.parse(value).isZero()) {
                add(at, "must be a positive ISO 8601 duration, got " + quote(value));
            }
        } catch (DateTimeParseException e) {
            add(at, "must be an ISO 8601 duration such as P1M or P1Y, got " + quote(value));
        }
    }

    private boolean amount(String at, String value, boolean nonNegative) {
        if (value == null || !NUMERIC.matcher(value).matches()) {
            add(at, "must be a decimal string such as \"0.000001\", got " + quote(value));
            return false;
        }
        if (nonNegative && value.startsWith("-")) {
            add(at, "must not be negative, got " + value);
            return false;
        }
        return true;
    }

    private void add(String path, String message) {
        problems.add(new Problem(path, message));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String quote(String s) {
        return s == null ? "nothing" : "'" + s + "'";
    }
}
