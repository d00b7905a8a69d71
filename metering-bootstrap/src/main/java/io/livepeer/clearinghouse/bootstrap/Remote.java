package io.livepeer.clearinghouse.bootstrap;

import java.util.Map;

/**
 * What OpenMeter holds, in one shape for both dialects. Aggregations are upper case (v1 spelling); references are
 * resolved to keys. {@code managed} says whether the object carries the bootstrap's ownership marker
 * ({@value #MANAGED_BY_KEY}={@value #MANAGED_BY_VALUE} in v1 {@code metadata} / v3 {@code labels}): only such
 * objects are ever pruned.
 */
public final class Remote {

    /** Ownership marker key. */
    public static final String MANAGED_BY_KEY = "managed_by";
    /** Ownership marker value. */
    public static final String MANAGED_BY_VALUE = "clearinghouse-bootstrap";

    private Remote() {}

    /** Whether metadata/labels carry the ownership marker. */
    public static boolean managed(Map<String, String> tags) {
        return tags != null && MANAGED_BY_VALUE.equals(tags.get(MANAGED_BY_KEY));
    }

    /** The tags with the ownership marker added. */
    public static Map<String, String> marked(Map<String, String> tags) {
        Map<String, String> out = new java.util.TreeMap<>(tags == null ? Map.of() : tags);
        out.put(MANAGED_BY_KEY, MANAGED_BY_VALUE);
        return out;
    }

    /**
     * A meter.
     *
     * @param id            server id (ULID)
     * @param key           meter key (v1 slug)
     * @param name          display name
     * @param description   description, may be null
     * @param eventType     CloudEvent type
     * @param aggregation   SUM, COUNT, ... (upper case)
     * @param valueProperty JSONPath, null for COUNT
     * @param dimensions    name → JSONPath (v1 groupBy)
     * @param tags          v1 metadata / v3 labels
     */
    public record Meter(
            String id,
            String key,
            String name,
            String description,
            String eventType,
            String aggregation,
            String valueProperty,
            Map<String, String> dimensions,
            Map<String, String> tags) {
        public Meter {
            dimensions = dimensions == null ? Map.of() : Map.copyOf(dimensions);
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        /** Carries the ownership marker. */
        public boolean managed() {
            return Remote.managed(tags);
        }
    }

    /**
     * A (non-archived) feature.
     *
     * @param id       server id
     * @param key      feature key
     * @param name     display name
     * @param meterKey key of its meter, null for a static feature
     * @param tags     v1 metadata / v3 labels
     */
    public record Feature(String id, String key, String name, String meterKey, Map<String, String> tags) {
        public Feature {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        /** Carries the ownership marker. */
        public boolean managed() {
            return Remote.managed(tags);
        }
    }

    /**
     * One version of a plan.
     *
     * @param id      server id of this version
     * @param key     plan key
     * @param version version number, from 1
     * @param status  draft, active, archived or scheduled
     * @param spec    its content
     * @param tags    v1 metadata / v3 labels
     */
    public record Plan(String id, String key, int version, String status, PlanSpec spec, Map<String, String> tags) {
        public Plan {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }

        /** Carries the ownership marker. */
        public boolean managed() {
            return Remote.managed(tags);
        }
    }

    /**
     * A customer.
     *
     * @param id   server id
     * @param key  customer key (the metering subject)
     * @param name display name
     */
    public record Customer(String id, String key, String name) {}

    /**
     * A subscription.
     *
     * @param id      server id
     * @param planKey key of the subscribed plan, null for a custom plan
     * @param status  active, inactive, canceled or scheduled
     */
    public record Subscription(String id, String planKey, String status) {}
}
