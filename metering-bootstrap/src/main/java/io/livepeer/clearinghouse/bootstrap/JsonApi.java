package io.livepeer.clearinghouse.bootstrap;

import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.CUSTOMERS;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.FEATURES;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.METERS;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.PLANS;
import static io.livepeer.clearinghouse.openmeter.OpenMeterUrl.SUBSCRIPTIONS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.openmeter.ApiProblem;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * JSON plumbing and the operations that read the same in both dialects (paths relative to the dialect's root;
 * bodies and parsing left to {@link V1Api} and {@link V3Api}).
 */
abstract class JsonApi implements OpenMeterApi {

    /** Page size of list calls. */
    static final int PAGE = 100;

    final OpenMeterClient http;

    JsonApi(OpenMeterClient http) {
        this.http = http;
    }

    /** All items of a list endpoint, page by page. */
    abstract List<JsonNode> pages(String operation, String path, Map<String, String> filter);

    /** The items of a list endpoint that none of {@code goneFields} marks as deleted or archived, parsed. */
    <T> List<T> live(
            String operation, String path, java.util.function.Function<JsonNode, T> parse, String... goneFields) {
        List<T> out = new java.util.ArrayList<>();
        for (JsonNode item : pages(operation, path, Map.of())) {
            if (java.util.Arrays.stream(goneFields).allMatch(f -> text(item, f) == null)) {
                out.add(parse.apply(item));
            }
        }
        return out;
    }

    /** Parses a plan version of this dialect. */
    abstract Remote.Plan plan(JsonNode plan);

    /** The body creating a customer whose key and usage attribution subject is {@code key}. */
    abstract ObjectNode customerBody(String key, String name, String email);

    /** The body subscribing a customer to the active version of a plan. */
    abstract ObjectNode subscriptionBody(Remote.Customer customer, String planKey);

    @Override
    public void deleteMeter(Remote.Meter meter) {
        http.expect("delete meter " + meter.key(), "DELETE", METERS + "/" + meter.id(), Map.of(), null);
    }

    @Override
    public void archiveFeature(Remote.Feature feature) {
        http.expect("archive feature " + feature.key(), "DELETE", FEATURES + "/" + feature.id(), Map.of(), null);
    }

    @Override
    public Remote.Plan publish(Remote.Plan draft) {
        return plan(http.expect(
                "publish plan " + draft.key() + " v" + draft.version(),
                "POST",
                PLANS + "/" + draft.id() + "/publish",
                Map.of(),
                null));
    }

    @Override
    public void deleteDraft(Remote.Plan draft) {
        http.expect(
                "delete plan " + draft.key() + " v" + draft.version(),
                "DELETE",
                PLANS + "/" + draft.id(),
                Map.of(),
                null);
    }

    @Override
    public Remote.Plan archive(Remote.Plan active) {
        return plan(http.expect(
                "archive plan " + active.key() + " v" + active.version(),
                "POST",
                PLANS + "/" + active.id() + "/archive",
                Map.of(),
                null));
    }

    @Override
    public Remote.Customer createCustomer(String key, String name, String email) {
        String op = "create customer " + key;
        ObjectNode body = customerBody(key, name == null || name.isBlank() ? key : name, email);
        return createOrReread(
                op, () -> customer(http.expect(op, "POST", CUSTOMERS, Map.of(), body)), () -> customer(key));
    }

    @Override
    public Remote.Subscription subscribe(Remote.Customer customer, String planKey) {
        String op = "subscribe " + customer.key() + " to " + planKey;
        ObjectNode body = subscriptionBody(customer, planKey);
        return createOrReread(
                op,
                () -> subscription(http.expect(op, "POST", SUBSCRIPTIONS, Map.of(), body)),
                () -> byKey(subscriptions(customer), Remote.Subscription::planKey, planKey));
    }

    static Remote.Customer customer(JsonNode c) {
        return new Remote.Customer(text(c, "id"), text(c, "key"), text(c, "name"));
    }

    static Remote.Subscription subscription(JsonNode s) {
        return new Remote.Subscription(text(s, "id"), text(s.get("plan"), "key"), text(s, "status"));
    }

    static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    static Map<String, String> strings(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        }
        return map;
    }

    static ObjectNode strings(Map<String, String> map) {
        ObjectNode node = obj();
        map.forEach(node::put);
        return node;
    }

    static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    /**
     * Creates something; a 409 means it exists already (another run, or a race): it is read back instead.
     *
     * @param create the create call
     * @param reread finds the existing object
     */
    static <T> T createOrReread(String operation, Supplier<T> create, Supplier<Optional<T>> reread) {
        try {
            return create.get();
        } catch (ApiProblem problem) {
            if (problem.status() != 409) {
                throw problem;
            }
            return reread.get()
                    .orElseThrow(() -> new ApiProblem(
                            operation,
                            409,
                            problem.title(),
                            "the server says it exists, but it cannot be found by its key: " + problem.detail(),
                            problem.fields()));
        }
    }

    static <T> Optional<T> byKey(List<T> items, java.util.function.Function<T, String> key, String wanted) {
        return items.stream().filter(i -> wanted.equals(key.apply(i))).findFirst();
    }
}
