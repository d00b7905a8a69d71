package io.livepeer.clearinghouse.bootstrap;

import static io.livepeer.clearinghouse.openmeter.OpenMeterClient.query;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.CUSTOMERS;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.FEATURES;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.METERS;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.PLANS;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.SUBSCRIPTIONS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Kong Konnect Metering &amp; Billing and OpenMeter v3 ({@code openmeter-openapi-v3.yaml}): snake_case, {@code key},
 * lower-case aggregations, features referencing meters and rate cards referencing features by ULID, the ownership
 * marker in {@code labels}. Paths are relative to {@code …/v3/openmeter}. There is no "next version" call: a plan
 * created with an existing key becomes its next version.
 */
public final class V3Api extends JsonApi {

    private final Map<String, String> meterKeyById = new HashMap<>();
    private final Map<String, String> featureKeyById = new HashMap<>();
    private final Map<String, String> featureIdByKey = new HashMap<>();

    /**
     * @param http a client of a v3 endpoint (API root {@code …/openmeter})
     */
    public V3Api(OpenMeterClient http) {
        super(http);
    }

    @Override
    public Dialect dialect() {
        return Dialect.V3;
    }

    // ---- meters -------------------------------------------------------------------------------------------------

    @Override
    public List<Remote.Meter> meters() {
        return live("list meters", METERS, this::meter, "deleted_at");
    }

    private Remote.Meter meter(JsonNode m) {
        String aggregation = text(m, "aggregation");
        Remote.Meter meter = new Remote.Meter(
                text(m, "id"),
                text(m, "key"),
                text(m, "name"),
                text(m, "description"),
                text(m, "event_type"),
                aggregation == null ? null : aggregation.toUpperCase(Locale.ROOT),
                text(m, "value_property"),
                strings(m.get("dimensions")),
                strings(m.get("labels")));
        meterKeyById.put(meter.id(), meter.key());
        return meter;
    }

    @Override
    public Remote.Meter createMeter(Catalog.Meter meter) {
        String op = "create meter " + meter.key();
        ObjectNode body = obj().put("key", meter.key())
                .put("name", meter.name() == null ? meter.key() : meter.name())
                .put("event_type", meter.eventType())
                .put("aggregation", CatalogValidator.aggregation(meter).toLowerCase(Locale.ROOT));
        putIfPresent(body, "description", meter.description());
        putIfPresent(body, "value_property", meter.valueProperty());
        body.set("dimensions", strings(meter.dimensions()));
        body.set("labels", strings(Remote.marked(Map.of())));
        return createOrReread(
                op,
                () -> meter(http.expect(op, "POST", METERS, Map.of(), body)),
                () -> byKey(meters(), Remote.Meter::key, meter.key()));
    }

    @Override
    public Remote.Meter updateMeter(Remote.Meter current, Catalog.Meter desired) {
        ObjectNode body = obj().put("name", desired.name() == null ? desired.key() : desired.name());
        putIfPresent(body, "description", desired.description());
        body.set("labels", strings(Remote.marked(current.tags())));
        body.set("dimensions", strings(desired.dimensions()));
        return meter(http.expect("update meter " + current.key(), "PUT", METERS + "/" + current.id(), Map.of(), body));
    }

    // ---- features -----------------------------------------------------------------------------------------------

    @Override
    public List<Remote.Feature> features() {
        return live("list features", FEATURES, this::feature, "deleted_at");
    }

    private Remote.Feature feature(JsonNode f) {
        String meterId = text(f.get("meter"), "id");
        Remote.Feature feature = new Remote.Feature(
                text(f, "id"),
                text(f, "key"),
                text(f, "name"),
                meterId == null ? null : meterKeyById.getOrDefault(meterId, "id:" + meterId),
                strings(f.get("labels")));
        featureKeyById.put(feature.id(), feature.key());
        featureIdByKey.put(feature.key(), feature.id());
        return feature;
    }

    @Override
    public Remote.Feature createFeature(Catalog.Feature feature, Remote.Meter meter) {
        String op = "create feature " + feature.key();
        ObjectNode body =
                obj().put("key", feature.key()).put("name", feature.name() == null ? feature.key() : feature.name());
        body.putObject("meter").put("id", meter.id());
        body.set("labels", strings(Remote.marked(Map.of())));
        return createOrReread(
                op,
                () -> feature(http.expect(op, "POST", FEATURES, Map.of(), body)),
                () -> byKey(features(), Remote.Feature::key, feature.key()));
    }

    // ---- plans --------------------------------------------------------------------------------------------------

    @Override
    public List<Remote.Plan> plans() {
        return live("list plans", PLANS, this::plan, "deleted_at");
    }

    @Override
    Remote.Plan plan(JsonNode p) {
        List<PlanSpec.Phase> phases = new ArrayList<>();
        for (JsonNode ph : p.path("phases")) {
            List<PlanSpec.RateCard> cards = new ArrayList<>();
            for (JsonNode rc : ph.path("rate_cards")) {
                String featureId = text(rc.get("feature"), "id");
                cards.add(new PlanSpec.RateCard(
                        text(rc, "key"),
                        text(rc, "name"),
                        featureId == null ? null : featureKeyById.getOrDefault(featureId, "id:" + featureId),
                        text(rc, "billing_cadence"),
                        price(rc.get("price"))));
            }
            phases.add(new PlanSpec.Phase(text(ph, "key"), text(ph, "name"), text(ph, "duration"), cards));
        }
        PlanSpec spec = new PlanSpec(
                text(p, "name"), text(p, "description"), text(p, "currency"), text(p, "billing_cadence"), phases);
        return new Remote.Plan(
                text(p, "id"),
                text(p, "key"),
                p.path("version").asInt(1),
                text(p, "status"),
                spec,
                strings(p.get("labels")));
    }

    private static PlanSpec.Price price(JsonNode price) {
        String type = text(price, "type");
        if ("graduated".equals(type) || "volume".equals(type)) {
            List<PlanSpec.Tier> tiers = new ArrayList<>();
            for (JsonNode t : price.path("tiers")) {
                tiers.add(new PlanSpec.Tier(
                        text(t, "up_to_amount"),
                        text(t.get("unit_price"), "amount"),
                        text(t.get("flat_price"), "amount")));
            }
            return new PlanSpec.Price(type, null, tiers);
        }
        return new PlanSpec.Price(type == null ? "none" : type, text(price, "amount"), List.of());
    }

    private ArrayNode phases(PlanSpec spec) {
        ArrayNode phases = obj().arrayNode();
        for (PlanSpec.Phase phase : spec.phases()) {
            ObjectNode ph = phases.addObject().put("key", phase.key()).put("name", phase.name());
            putIfPresent(ph, "duration", phase.duration());
            ArrayNode cards = ph.putArray("rate_cards");
            for (PlanSpec.RateCard card : phase.rateCards()) {
                String featureId = featureIdByKey.get(card.featureKey());
                if (featureId == null) {
                    throw new IllegalStateException(
                            "feature " + card.featureKey() + " of rate card " + card.key() + " is not in OpenMeter");
                }
                ObjectNode rc = cards.addObject().put("key", card.key()).put("name", card.name());
                rc.putObject("feature").put("id", featureId);
                rc.put("billing_cadence", card.billingCadence());
                PlanSpec.Price price = card.price();
                if (price.type().equals("unit")) {
                    rc.putObject("price").put("type", "unit").put("amount", price.amount());
                } else {
                    ArrayNode tiers =
                            rc.putObject("price").put("type", price.type()).putArray("tiers");
                    for (PlanSpec.Tier tier : price.tiers()) {
                        ObjectNode t = tiers.addObject();
                        putIfPresent(t, "up_to_amount", tier.upToAmount());
                        if (tier.flatPrice() != null) {
                            t.putObject("flat_price").put("type", "flat").put("amount", tier.flatPrice());
                        }
                        if (tier.unitPrice() != null) {
                            t.putObject("unit_price").put("type", "unit").put("amount", tier.unitPrice());
                        }
                    }
                }
            }
        }
        return phases;
    }

    @Override
    public Remote.Plan createDraft(String key, PlanSpec spec) {
        ObjectNode body = obj().put("key", key).put("name", spec.name());
        putIfPresent(body, "description", spec.description());
        body.set("labels", strings(Remote.marked(Map.of())));
        body.put("currency", spec.currency()).put("billing_cadence", spec.billingCadence());
        body.set("phases", phases(spec));
        return plan(http.expect("create plan " + key, "POST", PLANS, Map.of(), body));
    }

    @Override
    public boolean canUpdateDraft(Remote.Plan draft, PlanSpec spec) {
        return Objects.equals(draft.spec().currency(), spec.currency())
                && Objects.equals(draft.spec().billingCadence(), spec.billingCadence());
    }

    @Override
    public Remote.Plan updateDraft(Remote.Plan draft, PlanSpec spec) {
        ObjectNode body = obj().put("name", spec.name());
        putIfPresent(body, "description", spec.description());
        body.set("labels", strings(Remote.marked(draft.tags())));
        body.set("phases", phases(spec));
        return plan(http.expect(
                "update plan " + draft.key() + " v" + draft.version(),
                "PUT",
                PLANS + "/" + draft.id(),
                Map.of(),
                body));
    }

    @Override
    public Remote.Plan nextDraft(Remote.Plan active, PlanSpec spec) {
        return createDraft(active.key(), spec); // v3: the same key makes the next version
    }

    // ---- customers and subscriptions ----------------------------------------------------------------------------

    @Override
    public Optional<Remote.Customer> customer(String key) {
        for (JsonNode c : pages("find customer " + key, CUSTOMERS, query("filter[key]", key))) {
            if (key.equals(text(c, "key")) && text(c, "deleted_at") == null) {
                return Optional.of(customer(c));
            }
        }
        return Optional.empty();
    }

    @Override
    ObjectNode customerBody(String key, String name, String email) {
        ObjectNode body = obj().put("key", key).put("name", name);
        body.putObject("usage_attribution").putArray("subject_keys").add(key);
        putIfPresent(body, "primary_email", email);
        return body;
    }

    @Override
    ObjectNode subscriptionBody(Remote.Customer customer, String planKey) {
        ObjectNode body = obj();
        body.putObject("customer").put("id", customer.id());
        body.putObject("plan").put("key", planKey);
        return body;
    }

    @Override
    public List<Remote.Subscription> subscriptions(Remote.Customer customer) {
        List<Remote.Subscription> out = new ArrayList<>();
        for (JsonNode s : pages(
                "list subscriptions of " + customer.key(),
                SUBSCRIPTIONS,
                query("filter[customer_id]", customer.id()))) {
            out.add(subscription(s));
        }
        return out;
    }

    /** All items of a page-paginated list ({@code {data, meta: {page: {number, size, total}}}}). */
    @Override
    List<JsonNode> pages(String operation, String path, Map<String, String> filter) {
        List<JsonNode> items = new ArrayList<>();
        for (int page = 1; ; page++) {
            Map<String, String> q = new LinkedHashMap<>(filter);
            q.put("page[size]", String.valueOf(PAGE));
            q.put("page[number]", String.valueOf(page));
            JsonNode body = http.expect(operation, "GET", path, q, null);
            JsonNode data = body.path("data");
            data.forEach(items::add);
            long total = body.path("meta").path("page").path("total").asLong(-1);
            if (data.size() < PAGE || (total >= 0 && items.size() >= total)) {
                return items;
            }
        }
    }
}
