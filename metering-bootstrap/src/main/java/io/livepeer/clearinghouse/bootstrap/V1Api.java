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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Self-hosted OpenMeter, API v1 ({@code openmeter-openapi.yaml}): camelCase, meters by {@code slug}, upper-case
 * aggregations, rate cards naming their feature by key, the ownership marker in {@code metadata}. Paths are relative
 * to {@code …/api/v1}.
 */
public final class V1Api extends JsonApi {

    /**
     * @param http a client of a v1 endpoint (API root {@code …/api/v1})
     */
    public V1Api(OpenMeterClient http) {
        super(http);
    }

    @Override
    public Dialect dialect() {
        return Dialect.V1;
    }

    // ---- meters -------------------------------------------------------------------------------------------------

    @Override
    public List<Remote.Meter> meters() {
        return live("list meters", METERS, V1Api::meter, "deletedAt"); // a bare array, paged all the same
    }

    private static Remote.Meter meter(JsonNode m) {
        return new Remote.Meter(
                text(m, "id"),
                text(m, "slug"),
                text(m, "name"),
                text(m, "description"),
                text(m, "eventType"),
                text(m, "aggregation"),
                text(m, "valueProperty"),
                strings(m.get("groupBy")),
                strings(m.get("metadata")));
    }

    @Override
    public Remote.Meter createMeter(Catalog.Meter meter) {
        String op = "create meter " + meter.key();
        ObjectNode body = obj().put("slug", meter.key())
                .put("name", meter.name() == null ? meter.key() : meter.name())
                .put("eventType", meter.eventType())
                .put("aggregation", CatalogValidator.aggregation(meter));
        putIfPresent(body, "description", meter.description());
        putIfPresent(body, "valueProperty", meter.valueProperty());
        body.set("groupBy", strings(meter.dimensions()));
        body.set("metadata", strings(Remote.marked(Map.of())));
        return createOrReread(
                op,
                () -> meter(http.expect(op, "POST", METERS, Map.of(), body)),
                () -> byKey(meters(), Remote.Meter::key, meter.key()));
    }

    @Override
    public Remote.Meter updateMeter(Remote.Meter current, Catalog.Meter desired) {
        ObjectNode body = obj().put("name", desired.name() == null ? desired.key() : desired.name());
        putIfPresent(body, "description", desired.description());
        body.set("groupBy", strings(desired.dimensions()));
        body.set("metadata", strings(Remote.marked(current.tags())));
        return meter(http.expect("update meter " + current.key(), "PUT", METERS + "/" + current.id(), Map.of(), body));
    }

    // ---- features -----------------------------------------------------------------------------------------------

    @Override
    public List<Remote.Feature> features() {
        return live("list features", FEATURES, V1Api::feature, "archivedAt", "deletedAt");
    }

    private static Remote.Feature feature(JsonNode f) {
        return new Remote.Feature(
                text(f, "id"), text(f, "key"), text(f, "name"), text(f, "meterSlug"), strings(f.get("metadata")));
    }

    @Override
    public Remote.Feature createFeature(Catalog.Feature feature, Remote.Meter meter) {
        String op = "create feature " + feature.key();
        ObjectNode body = obj().put("key", feature.key())
                .put("name", feature.name() == null ? feature.key() : feature.name())
                .put("meterSlug", meter.key());
        body.set("metadata", strings(Remote.marked(Map.of())));
        return createOrReread(
                op,
                () -> feature(http.expect(op, "POST", FEATURES, Map.of(), body)),
                () -> byKey(features(), Remote.Feature::key, feature.key()));
    }

    // ---- plans --------------------------------------------------------------------------------------------------

    @Override
    public List<Remote.Plan> plans() {
        return live("list plans", PLANS, this::plan, "deletedAt");
    }

    @Override
    Remote.Plan plan(JsonNode p) {
        List<PlanSpec.Phase> phases = new ArrayList<>();
        for (JsonNode ph : p.path("phases")) {
            List<PlanSpec.RateCard> cards = new ArrayList<>();
            for (JsonNode rc : ph.path("rateCards")) {
                cards.add(new PlanSpec.RateCard(
                        text(rc, "key"),
                        text(rc, "name"),
                        text(rc, "featureKey"),
                        text(rc, "billingCadence"),
                        price(rc.get("price"), text(rc, "type"))));
            }
            phases.add(new PlanSpec.Phase(text(ph, "key"), text(ph, "name"), text(ph, "duration"), cards));
        }
        PlanSpec spec = new PlanSpec(
                text(p, "name"), text(p, "description"), text(p, "currency"), text(p, "billingCadence"), phases);
        return new Remote.Plan(
                text(p, "id"),
                text(p, "key"),
                p.path("version").asInt(1),
                text(p, "status"),
                spec,
                strings(p.get("metadata")));
    }

    private static PlanSpec.Price price(JsonNode price, String rateCardType) {
        if (price == null || price.isNull()) {
            return new PlanSpec.Price(rateCardType + ":free", null, List.of());
        }
        String type = text(price, "type");
        if ("tiered".equals(type)) {
            List<PlanSpec.Tier> tiers = new ArrayList<>();
            for (JsonNode t : price.path("tiers")) {
                tiers.add(new PlanSpec.Tier(
                        text(t, "upToAmount"), text(t.get("unitPrice"), "amount"), text(t.get("flatPrice"), "amount")));
            }
            return new PlanSpec.Price(text(price, "mode"), null, tiers);
        }
        String amount = text(price, "amount");
        return new PlanSpec.Price(
                "unit".equals(type) && "usage_based".equals(rateCardType) ? "unit" : rateCardType + ":" + type,
                amount,
                List.of());
    }

    private static ArrayNode phases(PlanSpec spec) {
        ArrayNode phases = obj().arrayNode();
        for (PlanSpec.Phase phase : spec.phases()) {
            ObjectNode ph = phases.addObject().put("key", phase.key()).put("name", phase.name());
            ph.put("duration", phase.duration()); // required, null for the open-ended phase
            ArrayNode cards = ph.putArray("rateCards");
            for (PlanSpec.RateCard card : phase.rateCards()) {
                ObjectNode rc = cards.addObject()
                        .put("type", "usage_based")
                        .put("key", card.key())
                        .put("name", card.name())
                        .put("featureKey", card.featureKey())
                        .put("billingCadence", card.billingCadence());
                PlanSpec.Price price = card.price();
                if (price.type().equals("unit")) {
                    rc.putObject("price").put("type", "unit").put("amount", price.amount());
                } else {
                    ObjectNode p = rc.putObject("price").put("type", "tiered").put("mode", price.type());
                    ArrayNode tiers = p.putArray("tiers");
                    for (PlanSpec.Tier tier : price.tiers()) {
                        ObjectNode t = tiers.addObject();
                        putIfPresent(t, "upToAmount", tier.upToAmount());
                        if (tier.unitPrice() == null) {
                            t.putNull("unitPrice");
                        } else {
                            t.putObject("unitPrice").put("type", "unit").put("amount", tier.unitPrice());
                        }
                        if (tier.flatPrice() == null) {
                            t.putNull("flatPrice");
                        } else {
                            t.putObject("flatPrice").put("type", "flat").put("amount", tier.flatPrice());
                        }
                    }
                }
            }
        }
        return phases;
    }

    @Override
    public Remote.Plan createDraft(String key, PlanSpec spec) {
        ObjectNode body = obj().put("key", key)
                .put("name", spec.name())
                .put("currency", spec.currency())
                .put("billingCadence", spec.billingCadence());
        putIfPresent(body, "description", spec.description());
        body.set("metadata", strings(Remote.marked(Map.of())));
        body.set("phases", phases(spec));
        return plan(http.expect("create plan " + key, "POST", PLANS, Map.of(), body));
    }

    @Override
    public boolean canUpdateDraft(Remote.Plan draft, PlanSpec spec) {
        return Objects.equals(draft.spec().currency(), spec.currency());
    }

    @Override
    public Remote.Plan updateDraft(Remote.Plan draft, PlanSpec spec) {
        ObjectNode body = obj().put("name", spec.name()).put("billingCadence", spec.billingCadence());
        putIfPresent(body, "description", spec.description());
        body.set("metadata", strings(Remote.marked(draft.tags())));
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
        Remote.Plan draft = plan(http.expect(
                "start plan " + active.key() + " v" + (active.version() + 1),
                "POST",
                PLANS + "/" + active.id() + "/next",
                Map.of(),
                null));
        return updateDraft(draft, spec);
    }

    // ---- customers and subscriptions ----------------------------------------------------------------------------

    @Override
    public Optional<Remote.Customer> customer(String key) {
        // the key filter is a case-insensitive partial match: compare exactly here
        for (JsonNode c : pages("find customer " + key, CUSTOMERS, query("key", key))) {
            if (key.equals(text(c, "key")) && text(c, "deletedAt") == null) {
                return Optional.of(customer(c));
            }
        }
        return Optional.empty();
    }

    @Override
    ObjectNode customerBody(String key, String name, String email) {
        ObjectNode body = obj().put("name", name).put("key", key);
        body.putObject("usageAttribution").putArray("subjectKeys").add(key);
        putIfPresent(body, "primaryEmail", email);
        return body;
    }

    @Override
    ObjectNode subscriptionBody(Remote.Customer customer, String planKey) {
        ObjectNode body = obj().put("customerId", customer.id());
        body.putObject("plan").put("key", planKey);
        return body;
    }

    @Override
    public List<Remote.Subscription> subscriptions(Remote.Customer customer) {
        List<Remote.Subscription> out = new ArrayList<>();
        for (JsonNode s : pages(
                "list subscriptions of " + customer.key(),
                CUSTOMERS + "/" + URLEncoder.encode(customer.id(), StandardCharsets.UTF_8) + SUBSCRIPTIONS,
                Map.of())) {
            out.add(subscription(s));
        }
        return out;
    }

    /** All items of a paginated list ({@code {totalCount, page, pageSize, items}}). */
    @Override
    List<JsonNode> pages(String operation, String path, Map<String, String> filter) {
        List<JsonNode> items = new ArrayList<>();
        for (int page = 1; ; page++) {
            Map<String, String> q = new java.util.LinkedHashMap<>(filter);
            q.put("page", String.valueOf(page));
            q.put("pageSize", String.valueOf(PAGE));
            JsonNode body = http.expect(operation, "GET", path, q, null);
            JsonNode list = body.isArray() ? body : body.path("items");
            list.forEach(items::add);
            int total = body.path("totalCount").asInt(-1);
            if (list.size() < PAGE || (total >= 0 && items.size() >= total)) {
                return items;
            }
        }
    }
}
