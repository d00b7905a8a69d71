package io.livepeer.clearinghouse.bootstrap;

import io.livepeer.clearinghouse.processors.catalog.Catalog;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The content of a plan version, normalised so that what the catalog asks for and what OpenMeter holds compare
 * with {@code equals}: amounts as plain decimal strings without trailing zeros, a rate card's billing cadence
 * defaulted to the plan's, tiered prices as {@code graduated} or {@code volume}, empty descriptions as null.
 *
 * @param name           display name
 * @param description    description, may be null
 * @param currency       ISO 4217 code
 * @param billingCadence ISO 8601 duration
 * @param phases         phases in order
 */
public record PlanSpec(String name, String description, String currency, String billingCadence, List<Phase> phases) {

    public PlanSpec {
        description = blankToNull(description);
        phases = List.copyOf(phases);
    }

    /**
     * @param key       phase key
     * @param name      display name
     * @param duration  ISO 8601 duration, null when open-ended
     * @param rateCards rate cards in order
     */
    public record Phase(String key, String name, String duration, List<RateCard> rateCards) {
        public Phase {
            rateCards = List.copyOf(rateCards);
        }
    }

    /**
     * @param key            rate card key (= feature key)
     * @param name           display name
     * @param featureKey     the feature priced
     * @param billingCadence ISO 8601 duration
     * @param price          the price
     */
    public record RateCard(String key, String name, String featureKey, String billingCadence, Price price) {}

    /**
     * @param type   {@code unit}, {@code graduated} or {@code volume}
     * @param amount unit amount (for {@code unit}), normalised decimal
     * @param tiers  tiers (for the tiered types)
     */
    public record Price(String type, String amount, List<Tier> tiers) {
        public Price {
            amount = amount == null ? null : decimal(amount);
            tiers = tiers == null ? List.of() : List.copyOf(tiers);
        }

        @Override
        public String toString() {
            return type.equals("unit")
                    ? "unit " + amount
                    : type + " " + tiers.stream().map(Tier::toString).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    /**
     * @param upToAmount inclusive upper bound, null for the open-ended last tier
     * @param unitPrice  unit price, may be null
     * @param flatPrice  flat price, may be null
     */
    public record Tier(String upToAmount, String unitPrice, String flatPrice) {
        public Tier {
            upToAmount = upToAmount == null ? null : decimal(upToAmount);
            unitPrice = unitPrice == null ? null : decimal(unitPrice);
            flatPrice = flatPrice == null ? null : decimal(flatPrice);
        }

        @Override
        public String toString() {
            return "≤" + (upToAmount == null ? "∞" : upToAmount) + (unitPrice == null ? "" : " unit " + unitPrice)
                    + (flatPrice == null ? "" : " flat " + flatPrice);
        }
    }

    /** The plan the catalog asks for. */
    public static PlanSpec of(Catalog.Plan plan) {
        List<Phase> phases = new ArrayList<>();
        for (Catalog.Phase phase : plan.phases()) {
            List<RateCard> cards = new ArrayList<>();
            for (Catalog.RateCard card : phase.rateCards()) {
                Catalog.Price p = card.price();
                Price price = "tiered".equals(p.type())
                        ? new Price(
                                p.mode(),
                                null,
                                p.tiers().stream()
                                        .map(t -> new Tier(t.upToAmount(), t.unitPrice(), t.flatPrice()))
                                        .toList())
                        : new Price(p.type(), p.amount(), List.of());
                cards.add(new RateCard(
                        card.key(),
                        card.name() == null ? card.key() : card.name(),
                        card.feature(),
                        card.billingCadence() == null ? plan.billingCadence() : card.billingCadence(),
                        price));
            }
            phases.add(
                    new Phase(phase.key(), phase.name() == null ? phase.key() : phase.name(), phase.duration(), cards));
        }
        return new PlanSpec(plan.name(), plan.description(), plan.currency(), plan.billingCadence(), phases);
    }

    /**
     * What differs from another version, readable, e.g. {@code rate card default/billable_spend price: unit 0.000001
     * → unit 0.000002}.
     *
     * @param remote what OpenMeter holds
     * @return differences, empty when equal
     */
    public List<String> differences(PlanSpec remote) {
        List<String> out = new ArrayList<>();
        diff(out, "name", remote.name, name);
        diff(out, "description", remote.description, description);
        diff(out, "currency", remote.currency, currency);
        diff(out, "billing cadence", remote.billingCadence, billingCadence);
        Map<String, Phase> theirs = byKey(remote.phases, Phase::key);
        Map<String, Phase> ours = byKey(phases, Phase::key);
        if (!List.copyOf(theirs.keySet()).equals(List.copyOf(ours.keySet()))) {
            out.add("phases: " + theirs.keySet() + " → " + ours.keySet());
        }
        for (Phase phase : phases) {
            Phase other = theirs.get(phase.key());
            if (other == null) {
                continue;
            }
            String at = "phase " + phase.key() + " ";
            diff(out, at + "name", other.name(), phase.name());
            diff(out, at + "duration", other.duration(), phase.duration());
            Map<String, RateCard> theirCards = byKey(other.rateCards(), RateCard::key);
            Map<String, RateCard> ourCards = byKey(phase.rateCards(), RateCard::key);
            if (!List.copyOf(theirCards.keySet()).equals(List.copyOf(ourCards.keySet()))) {
                out.add(at + "rate cards: " + theirCards.keySet() + " → " + ourCards.keySet());
            }
            for (RateCard card : phase.rateCards()) {
                RateCard o = theirCards.get(card.key());
                if (o != null) {
                    String c = "rate card " + phase.key() + "/" + card.key() + " ";
                    diff(out, c + "name", o.name(), card.name());
                    diff(out, c + "feature", o.featureKey(), card.featureKey());
                    diff(out, c + "billing cadence", o.billingCadence(), card.billingCadence());
                    diff(out, c + "price", String.valueOf(o.price()), String.valueOf(card.price()));
                }
            }
        }
        if (out.isEmpty() && !equals(remote)) {
            out.add("content differs");
        }
        return out;
    }

    private static void diff(List<String> out, String what, String from, String to) {
        if (!Objects.equals(from, to)) {
            out.add(what + ": " + show(from) + " → " + show(to));
        }
    }

    private static String show(String s) {
        return s == null ? "(none)" : "'" + s + "'";
    }

    private static <T> Map<String, T> byKey(List<T> items, java.util.function.Function<T, String> key) {
        Map<String, T> map = new LinkedHashMap<>();
        items.forEach(i -> map.put(key.apply(i), i));
        return map;
    }

    /** A decimal string without trailing zeros and never in exponent form ({@code 0.0000010} → {@code 0.000001}). */
    public static String decimal(String value) {
        BigDecimal d = new BigDecimal(value.trim());
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
