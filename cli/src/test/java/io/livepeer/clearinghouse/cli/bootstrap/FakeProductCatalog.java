package io.livepeer.clearinghouse.cli.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.testing.OpenApiContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A local HTTP server that keeps state like OpenMeter's product catalog does, in one dialect: meters, features,
 * plans with versions and drafts, customers and subscriptions (DESIGN.md §6; OpenMeter
 * {@code openmeter/productcatalog/plan/service/plan.go}):
 * <ul>
 *   <li>409 on a duplicate meter, feature or customer key (deleted/archived ones do not count);</li>
 *   <li>plans never 409: a create with an existing key is the next version, or 400 when a draft exists; only drafts
 *       can be updated; publishing archives the previous active version; v1 {@code next} copies the active one;</li>
 *   <li>a usage rate card must name an existing feature and have its key; features only on SUM, COUNT,
 *       UNIQUE_COUNT or LATEST meters; a meter with live features cannot be deleted.</li>
 * </ul>
 * Every request, and every response it gives, is checked against the dialect's OpenAPI spec when
 * {@code ../shared/contracts} is present ({@link #contractViolations()}). v1 is served under {@code /api/v1}, v3 under
 * {@code /v3/openmeter} (as Konnect).
 */
final class FakeProductCatalog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final Set<String> FEATURE_AGGREGATIONS = Set.of("SUM", "COUNT", "UNIQUE_COUNT", "LATEST");

    /** A request as received. */
    record Received(String method, String path, String query, String body, int status) {
        boolean write() {
            return !method.equals("GET");
        }
    }

    static final class MeterRec {
        String id;
        String key;
        String name;
        String description;
        String eventType;
        String aggregation;
        String valueProperty;
        Map<String, String> dimensions = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        Instant created;
        Instant updated;
        Instant deleted;
    }

    static final class FeatureRec {
        String id;
        String key;
        String name;
        String meterId;
        Map<String, String> tags = new LinkedHashMap<>();
        Instant created;
        Instant updated;
        Instant archived;
    }

    record Tier(String upTo, String unit, String flat) {}

    record Price(String type, String amount, List<Tier> tiers) {}

    record Card(String key, String name, String featureId, String billingCadence, Price price) {}

    record Phase(String key, String name, String duration, List<Card> cards) {}

    static final class PlanRec {
        String id;
        String key;
        int version;
        String name;
        String description;
        String currency;
        String billingCadence;
        List<Phase> phases = List.of();
        Map<String, String> tags = new LinkedHashMap<>();
        Instant created;
        Instant updated;
        Instant effectiveFrom;
        Instant effectiveTo;
        Instant deleted;

        String status() {
            return effectiveFrom == null ? "draft" : effectiveTo != null ? "archived" : "active";
        }
    }

    static final class CustomerRec {
        String id;
        String key;
        String name;
        String email;
        List<String> subjects = new ArrayList<>();
        Instant created;
    }

    record SubscriptionRec(String id, String customerId, PlanRec plan, Instant created) {}

    /** Thrown by handlers: becomes a problem response. */
    static final class Problem extends RuntimeException {
        final int status;
        final String field;

        Problem(int status, String field, String detail) {
            super(detail);
            this.status = status;
            this.field = field;
        }
    }

    private final Dialect dialect;
    private final HttpServer server;
    private final Optional<OpenApiContract> contract;
    private final List<Received> received = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final List<MeterRec> meters = new ArrayList<>();
    private final List<FeatureRec> features = new ArrayList<>();
    private final List<PlanRec> plans = new ArrayList<>();
    private final List<CustomerRec> customers = new ArrayList<>();
    private final List<SubscriptionRec> subscriptions = new ArrayList<>();
    private long ids;
    private long traces;
    private int failNext;
    private int failStatus;
    private String requiredToken;

    private FakeProductCatalog(Dialect dialect, HttpServer server) {
        this.dialect = dialect;
        this.server = server;
        this.contract = OpenApiContract.load(dialect == Dialect.V1 ? OpenApiContract.Spec.V1 : OpenApiContract.Spec.V3);
    }

    static FakeProductCatalog start(Dialect dialect) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            FakeProductCatalog fake = new FakeProductCatalog(dialect, server);
            server.createContext("/", fake::handle);
            server.setExecutor(Executors.newSingleThreadExecutor());
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL an operator would configure: {@code http://host:port} (v1) or {@code …/v3/openmeter} (Konnect). */
    String url() {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return dialect == Dialect.V1 ? base : base + "/v3/openmeter";
    }

    synchronized List<Received> requests() {
        return List.copyOf(received);
    }

    synchronized long writes() {
        return received.stream().filter(Received::write).count();
    }

    synchronized List<String> contractViolations() {
        return List.copyOf(violations);
    }

    /** The next {@code times} requests answer {@code status} (503, 429 …) before anything else. */
    synchronized FakeProductCatalog failNext(int times, int status) {
        failNext = times;
        failStatus = status;
        return this;
    }

    synchronized FakeProductCatalog requireToken(String token) {
        requiredToken = token;
        return this;
    }

    // ---- seeding and inspection (as if done by someone else, outside the bootstrap) --------------------------------

    synchronized MeterRec seedMeter(String key, String aggregation, String valueProperty, Map<String, String> tags) {
        MeterRec m = new MeterRec();
        m.id = ulid();
        m.key = key;
        m.name = key;
        m.eventType = "create_signed_ticket";
        m.aggregation = aggregation;
        m.valueProperty = valueProperty;
        m.tags.putAll(tags);
        m.created = m.updated = now();
        meters.add(m);
        return m;
    }

    synchronized FeatureRec seedFeature(String key, MeterRec meter, Map<String, String> tags) {
        FeatureRec f = new FeatureRec();
        f.id = ulid();
        f.key = key;
        f.name = key;
        f.meterId = meter.id;
        f.tags.putAll(tags);
        f.created = f.updated = now();
        features.add(f);
        return f;
    }

    synchronized Optional<MeterRec> meter(String key) {
        return meters.stream()
                .filter(m -> m.key.equals(key) && m.deleted == null)
                .findFirst();
    }

    synchronized Optional<FeatureRec> feature(String key) {
        return features.stream()
                .filter(f -> f.key.equals(key) && f.archived == null)
                .findFirst();
    }

    synchronized List<PlanRec> planVersions(String key) {
        return plans.stream()
                .filter(p -> p.key.equals(key) && p.deleted == null)
                .sorted(Comparator.comparingInt(p -> p.version))
                .toList();
    }

    synchronized List<CustomerRec> customers() {
        return List.copyOf(customers);
    }

    synchronized List<SubscriptionRec> subscriptions() {
        return List.copyOf(subscriptions);
    }

    // ---- HTTP ---------------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String prefix = dialect == Dialect.V1 ? "/api/v1" : "/v3/openmeter";
            String specPath = dialect == Dialect.V1
                    ? path
                    : "/openmeter" + path.substring(Math.min(path.length(), prefix.length()));
            int status;
            String contentType = null;
            String out;
            synchronized (this) {
                contract.ifPresent(c -> violations.addAll(
                        c.validate(method, specPath, query, new LinkedHashMap<>(exchange.getRequestHeaders()), body)));
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                JsonNode answer;
                try {
                    if (!path.startsWith(prefix + "/")) {
                        throw new Problem(404, null, "no route " + path);
                    }
                    if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
                        throw new Problem(
                                auth == null ? 401 : 403,
                                null,
                                auth == null ? "missing bearer token" : "the token may not manage the product catalog");
                    }
                    if (failNext > 0) {
                        failNext--;
                        throw new Problem(failStatus, null, "scripted failure");
                    }
                    List<String> segments =
                            List.of(path.substring(prefix.length() + 1).split("/"));
                    Map<String, String> params = params(query);
                    JsonNode request = body.isBlank() ? null : JSON.readTree(body);
                    Object[] result = route(method, segments, params, request);
                    status = (Integer) result[0];
                    answer = (JsonNode) result[1];
                    contentType = answer == null ? null : "application/json";
                } catch (Problem p) {
                    status = p.status;
                    answer = problem(p);
                    contentType = "application/problem+json";
                } catch (IOException e) {
                    status = 400;
                    answer = problem(new Problem(400, "body", "body is not JSON"));
                    contentType = "application/problem+json";
                }
                out = answer == null ? "" : JSON.writeValueAsString(answer);
                received.add(new Received(method, path, query, body, status));
                if (status != 404 || path.startsWith(prefix + "/")) {
                    String ct = contentType;
                    int st = status;
                    contract.ifPresent(c -> violations.addAll(c.validateResponse(method, specPath, st, ct, out)));
                }
            }
            byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
            if (contentType != null) {
                exchange.getResponseHeaders().add("Content-Type", contentType);
            }
            if (status == 429) {
                exchange.getResponseHeaders().add("Retry-After", "0");
            }
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(bytes);
                }
            }
        }
    }

    private Object[] route(String method, List<String> s, Map<String, String> q, JsonNode body) {
        String root = s.get(0);
        int n = s.size();
        return switch (root + ":" + method + ":" + n) {
            case "meters:GET:1" -> ok(200, listMeters(q));
            case "meters:POST:1" -> ok(201, render(createMeter(body)));
            case "meters:PUT:2" ->
                ok(
                        200,
                        render(updateMeter(
                                byId(meters, s.get(1), m -> m.id, m -> m.key, m -> m.deleted == null), body)));
            case "meters:DELETE:2" -> {
                deleteMeter(byId(meters, s.get(1), m -> m.id, m -> m.key, m -> m.deleted == null));
                yield ok(204, null);
            }
            case "features:GET:1" -> ok(200, listFeatures(q));
            case "features:POST:1" -> ok(201, render(createFeature(body)));
            case "features:DELETE:2" -> {
                FeatureRec f = byId(features, s.get(1), x -> x.id, x -> x.key, x -> x.archived == null);
                f.archived = now();
                yield ok(204, null);
            }
            case "plans:GET:1" -> ok(200, listPlans(q));
            case "plans:POST:1" -> ok(201, render(createPlan(body)));
            case "plans:PUT:2" -> ok(200, render(updatePlan(plan(s.get(1)), body)));
            case "plans:DELETE:2" -> {
                PlanRec p = plan(s.get(1));
                if (p.status().equals("active")) {
                    throw new Problem(400, "status", "an active plan cannot be deleted: archive it");
                }
                p.deleted = now();
                yield ok(204, null);
            }
            case "plans:POST:3" ->
                switch (s.get(2)) {
                    case "publish" -> ok(200, render(publish(plan(s.get(1)))));
                    case "archive" -> ok(200, render(archive(plan(s.get(1)))));
                    case "next" -> {
                        if (dialect != Dialect.V1) {
                            throw new Problem(404, null, "no route");
                        }
                        yield ok(201, render(next(s.get(1))));
                    }
                    default -> throw new Problem(404, null, "no route");
                };
            case "customers:GET:1" -> ok(200, listCustomers(q));
            case "customers:POST:1" -> ok(201, render(createCustomer(body)));
            case "customers:GET:3" -> {
                if (!s.get(2).equals("subscriptions") || dialect != Dialect.V1) {
                    throw new Problem(404, null, "no route");
                }
                CustomerRec c = customers.stream()
                        .filter(x -> x.id.equals(s.get(1)) || x.key.equals(decode(s.get(1))))
                        .findFirst()
                        .orElseThrow(() -> new Problem(404, null, "customer not found"));
                yield ok(
                        200,
                        page(
                                subscriptions.stream()
                                        .filter(x -> x.customerId().equals(c.id))
                                        .map(this::render)
                                        .toList(),
                                q));
            }
            case "subscriptions:GET:1" -> {
                String customer = q.get("filter[customer_id]");
                yield ok(
                        200,
                        page(
                                subscriptions.stream()
                                        .filter(x -> customer == null
                                                || x.customerId().equals(customer))
                                        .map(this::render)
                                        .toList(),
                                q));
            }
            case "subscriptions:POST:1" -> ok(201, render(subscribe(body)));
            default -> throw new Problem(404, null, "no route for " + method + " /" + String.join("/", s));
        };
    }

    private static Object[] ok(int status, JsonNode body) {
        return new Object[] {status, body};
    }

    // ---- meters -------------------------------------------------------------------------------------------------

    private JsonNode listMeters(Map<String, String> q) {
        List<JsonNode> all =
                meters.stream().filter(m -> m.deleted == null).map(this::render).toList();
        if (dialect == Dialect.V1) {
            int size = Integer.parseInt(q.getOrDefault("pageSize", "100"));
            int number = Integer.parseInt(q.getOrDefault("page", "1"));
            ArrayNode array = JSON.createArrayNode();
            all.stream().skip((long) (number - 1) * size).limit(size).forEach(array::add);
            return array;
        }
        return page(all, q);
    }

    private MeterRec createMeter(JsonNode b) {
        String key = v1() ? str(b, "slug") : str(b, "key");
        if (meters.stream().anyMatch(m -> m.key.equals(key) && m.deleted == null)) {
            throw new Problem(409, "key", "meter with the same slug already exists");
        }
        MeterRec m = new MeterRec();
        m.id = ulid();
        m.key = key;
        m.name = str(b, "name") == null ? key : str(b, "name");
        m.description = str(b, "description");
        m.eventType = str(b, v1() ? "eventType" : "event_type");
        m.aggregation = str(b, "aggregation").toUpperCase(Locale.ROOT);
        m.valueProperty = str(b, v1() ? "valueProperty" : "value_property");
        if (m.aggregation.equals("COUNT") && m.valueProperty != null) {
            throw new Problem(400, "valueProperty", "COUNT meters take no value property");
        }
        m.dimensions.putAll(map(b.get(v1() ? "groupBy" : "dimensions")));
        m.tags.putAll(map(b.get(v1() ? "metadata" : "labels")));
        m.created = m.updated = now();
        meters.add(m);
        return m;
    }

    private MeterRec updateMeter(MeterRec m, JsonNode b) {
        m.name = str(b, "name") == null ? m.name : str(b, "name");
        m.description = str(b, "description");
        m.dimensions = new LinkedHashMap<>(map(b.get(v1() ? "groupBy" : "dimensions")));
        m.tags = new LinkedHashMap<>(map(b.get(v1() ? "metadata" : "labels")));
        m.updated = now();
        return m;
    }

    private void deleteMeter(MeterRec m) {
        if (features.stream().anyMatch(f -> f.archived == null && m.id.equals(f.meterId))) {
            throw new Problem(409, "meter", "meter has active features");
        }
        m.deleted = now();
    }

    private JsonNode render(MeterRec m) {
        ObjectNode o = obj().put("id", m.id);
        if (v1()) {
            o.put("slug", m.key)
                    .put("name", m.name)
                    .put("eventType", m.eventType)
                    .put("aggregation", m.aggregation);
            put(o, "description", m.description);
            put(o, "valueProperty", m.valueProperty);
            o.set("groupBy", strings(m.dimensions));
            if (!m.tags.isEmpty()) {
                o.set("metadata", strings(m.tags));
            }
            o.put("createdAt", ts(m.created)).put("updatedAt", ts(m.updated));
        } else {
            o.put("key", m.key)
                    .put("name", m.name)
                    .put("event_type", m.eventType)
                    .put("aggregation", m.aggregation.toLowerCase(Locale.ROOT));
            put(o, "description", m.description);
            put(o, "value_property", m.valueProperty);
            o.set("dimensions", strings(m.dimensions));
            if (!m.tags.isEmpty()) {
                o.set("labels", strings(m.tags));
            }
            o.put("created_at", ts(m.created)).put("updated_at", ts(m.updated));
        }
        return o;
    }

    // ---- features -----------------------------------------------------------------------------------------------

    private JsonNode listFeatures(Map<String, String> q) {
        List<JsonNode> all = features.stream()
                .filter(f -> f.archived == null)
                .map(this::render)
                .toList();
        if (v1() && !q.containsKey("page") && !q.containsKey("pageSize")) {
            ArrayNode array = JSON.createArrayNode();
            all.forEach(array::add);
            return array;
        }
        return page(all, q);
    }

    private FeatureRec createFeature(JsonNode b) {
        String key = str(b, "key");
        if (features.stream().anyMatch(f -> f.key.equals(key) && f.archived == null)) {
            throw new Problem(409, "key", "feature with key " + key + " already exists");
        }
        MeterRec meter;
        if (v1()) {
            String slug = str(b, "meterSlug");
            meter = meters.stream()
                    .filter(m -> m.key.equals(slug) && m.deleted == null)
                    .findFirst()
                    .orElseThrow(() -> new Problem(400, "meterSlug", "meter " + slug + " not found"));
        } else {
            String id = str(b.path("meter"), "id");
            meter = meters.stream()
                    .filter(m -> m.id.equals(id) && m.deleted == null)
                    .findFirst()
                    .orElseThrow(() -> new Problem(400, "meter.id", "meter " + id + " not found"));
        }
        if (!FEATURE_AGGREGATIONS.contains(meter.aggregation)) {
            throw new Problem(400, "meter", "features need a SUM, COUNT, UNIQUE_COUNT or LATEST meter");
        }
        FeatureRec f = new FeatureRec();
        f.id = ulid();
        f.key = key;
        f.name = str(b, "name");
        f.meterId = meter.id;
        f.tags.putAll(map(b.get(v1() ? "metadata" : "labels")));
        f.created = f.updated = now();
        features.add(f);
        return f;
    }

    private JsonNode render(FeatureRec f) {
        ObjectNode o = obj().put("id", f.id).put("key", f.key).put("name", f.name);
        String meterKey = meters.stream()
                .filter(m -> m.id.equals(f.meterId))
                .map(m -> m.key)
                .findFirst()
                .orElse(null);
        if (v1()) {
            put(o, "meterSlug", meterKey);
            if (!f.tags.isEmpty()) {
                o.set("metadata", strings(f.tags));
            }
            o.put("createdAt", ts(f.created)).put("updatedAt", ts(f.updated));
            if (f.archived != null) {
                o.put("archivedAt", ts(f.archived));
            }
        } else {
            o.putObject("meter").put("id", f.meterId);
            if (!f.tags.isEmpty()) {
                o.set("labels", strings(f.tags));
            }
            o.put("created_at", ts(f.created)).put("updated_at", ts(f.updated));
        }
        return o;
    }

    // ---- plans --------------------------------------------------------------------------------------------------

    private PlanRec plan(String id) {
        return plans.stream()
                .filter(p -> p.id.equals(id) && p.deleted == null)
                .findFirst()
                .orElseThrow(() -> new Problem(404, null, "plan " + id + " not found"));
    }

    private JsonNode listPlans(Map<String, String> q) {
        String key = v1() ? q.get("key") : q.get("filter[key]");
        String status = v1() ? q.get("status") : q.get("filter[status]");
        return page(
                plans.stream()
                        .filter(p -> p.deleted == null)
                        .filter(p -> key == null || p.key.equals(key))
                        .filter(p -> status == null || p.status().equals(status))
                        .map(this::render)
                        .toList(),
                q);
    }

    private PlanRec createPlan(JsonNode b) {
        String key = str(b, "key");
        List<PlanRec> versions = plans.stream().filter(p -> p.key.equals(key)).toList();
        if (versions.stream().anyMatch(p -> p.deleted == null && p.status().equals("draft"))) {
            throw new Problem(400, "key", "only a single draft version is allowed for Plan");
        }
        PlanRec p = new PlanRec();
        p.id = ulid();
        p.key = key;
        p.version = versions.stream().mapToInt(v -> v.version).max().orElse(0) + 1;
        p.currency = str(b, "currency");
        p.billingCadence = str(b, v1() ? "billingCadence" : "billing_cadence");
        p.created = now();
        content(p, b);
        plans.add(p);
        return p;
    }

    private PlanRec updatePlan(PlanRec p, JsonNode b) {
        if (!p.status().equals("draft")) {
            throw new Problem(400, "status", "only draft plans can be updated, plan is " + p.status());
        }
        if (v1() && str(b, "billingCadence") != null) {
            p.billingCadence = str(b, "billingCadence");
        }
        content(p, b);
        return p;
    }

    private void content(PlanRec p, JsonNode b) {
        p.name = str(b, "name");
        p.description = str(b, "description");
        p.tags = new LinkedHashMap<>(map(b.get(v1() ? "metadata" : "labels")));
        List<Phase> phases = new ArrayList<>();
        for (JsonNode ph : b.path("phases")) {
            List<Card> cards = new ArrayList<>();
            for (JsonNode rc : ph.path(v1() ? "rateCards" : "rate_cards")) {
                FeatureRec feature = v1()
                        ? features.stream()
                                .filter(f -> f.key.equals(str(rc, "featureKey")) && f.archived == null)
                                .findFirst()
                                .orElse(null)
                        : features.stream()
                                .filter(f -> f.id.equals(str(rc.path("feature"), "id")) && f.archived == null)
                                .findFirst()
                                .orElse(null);
                if (feature == null) {
                    throw new Problem(400, "featureKey", "rate card " + str(rc, "key") + ": feature not found");
                }
                if (!feature.key.equals(str(rc, "key"))) {
                    throw new Problem(
                            400,
                            "key",
                            "rate_card_key_feature_key_mismatch: rate card " + str(rc, "key") + " prices feature "
                                    + feature.key);
                }
                cards.add(new Card(
                        str(rc, "key"),
                        str(rc, "name"),
                        feature.id,
                        str(rc, v1() ? "billingCadence" : "billing_cadence"),
                        price(rc.path("price"))));
            }
            phases.add(new Phase(str(ph, "key"), str(ph, "name"), str(ph, "duration"), cards));
        }
        p.phases = phases;
        p.updated = now();
    }

    private Price price(JsonNode p) {
        String type = str(p, "type");
        if (v1() && "tiered".equals(type)) {
            type = str(p, "mode");
        }
        if ("graduated".equals(type) || "volume".equals(type)) {
            List<Tier> tiers = new ArrayList<>();
            for (JsonNode t : p.path("tiers")) {
                tiers.add(new Tier(
                        str(t, v1() ? "upToAmount" : "up_to_amount"),
                        str(t.path(v1() ? "unitPrice" : "unit_price"), "amount"),
                        str(t.path(v1() ? "flatPrice" : "flat_price"), "amount")));
            }
            return new Price(type, null, tiers);
        }
        return new Price(type, str(p, "amount"), List.of());
    }

    private PlanRec publish(PlanRec p) {
        if (!p.status().equals("draft")) {
            throw new Problem(400, "status", "only draft plans can be published, plan is " + p.status());
        }
        Instant now = now();
        plans.stream()
                .filter(o ->
                        o.key.equals(p.key) && o.deleted == null && o.status().equals("active"))
                .forEach(o -> o.effectiveTo = now);
        p.effectiveFrom = now;
        p.updated = now;
        return p;
    }

    private PlanRec archive(PlanRec p) {
        if (!p.status().equals("active")) {
            throw new Problem(400, "status", "only active plans can be archived, plan is " + p.status());
        }
        p.effectiveTo = now();
        p.updated = now();
        return p;
    }

    private PlanRec next(String idOrKey) {
        PlanRec active = plans.stream()
                .filter(p -> (p.id.equals(idOrKey) || p.key.equals(idOrKey))
                        && p.deleted == null
                        && p.status().equals("active"))
                .findFirst()
                .orElseThrow(() -> new Problem(404, null, "no active plan " + idOrKey));
        if (plans.stream()
                .anyMatch(p -> p.key.equals(active.key)
                        && p.deleted == null
                        && p.status().equals("draft"))) {
            throw new Problem(400, "key", "only a single draft version is allowed for Plan");
        }
        PlanRec d = new PlanRec();
        d.id = ulid();
        d.key = active.key;
        d.version = plans.stream()
                        .filter(p -> p.key.equals(active.key))
                        .mapToInt(p -> p.version)
                        .max()
                        .orElse(0)
                + 1;
        d.name = active.name;
        d.description = active.description;
        d.currency = active.currency;
        d.billingCadence = active.billingCadence;
        d.phases = active.phases;
        d.tags = new LinkedHashMap<>(active.tags);
        d.created = d.updated = now();
        plans.add(d);
        return d;
    }

    private JsonNode render(PlanRec p) {
        ObjectNode o = obj().put("id", p.id)
                .put("key", p.key)
                .put("version", p.version)
                .put("name", p.name);
        put(o, "description", p.description);
        o.put("currency", p.currency)
                .put(v1() ? "billingCadence" : "billing_cadence", p.billingCadence)
                .put("status", p.status());
        if (!p.tags.isEmpty()) {
            o.set(v1() ? "metadata" : "labels", strings(p.tags));
        }
        ArrayNode phases = o.putArray("phases");
        for (Phase ph : p.phases) {
            ObjectNode x = phases.addObject().put("key", ph.key()).put("name", ph.name());
            if (v1()) {
                x.put("duration", ph.duration());
            } else {
                put(x, "duration", ph.duration());
            }
            ArrayNode cards = x.putArray(v1() ? "rateCards" : "rate_cards");
            ph.cards().forEach(c -> cards.add(render(c)));
        }
        if (v1()) {
            o.putArray("validationErrors");
            o.put("createdAt", ts(p.created)).put("updatedAt", ts(p.updated));
            if (p.effectiveFrom != null) {
                o.put("effectiveFrom", ts(p.effectiveFrom));
            }
            if (p.effectiveTo != null) {
                o.put("effectiveTo", ts(p.effectiveTo));
            }
        } else {
            o.put("created_at", ts(p.created)).put("updated_at", ts(p.updated));
            if (p.effectiveFrom != null) {
                o.put("effective_from", ts(p.effectiveFrom));
            }
            if (p.effectiveTo != null) {
                o.put("effective_to", ts(p.effectiveTo));
            }
        }
        return o;
    }

    private JsonNode render(Card c) {
        ObjectNode rc = obj();
        if (v1()) {
            rc.put("type", "usage_based")
                    .put("key", c.key())
                    .put("name", c.name())
                    .put(
                            "featureKey",
                            features.stream()
                                    .filter(f -> f.id.equals(c.featureId()))
                                    .findFirst()
                                    .map(f -> f.key)
                                    .orElseThrow())
                    .put("billingCadence", c.billingCadence());
        } else {
            rc.put("key", c.key()).put("name", c.name());
            rc.putObject("feature").put("id", c.featureId());
            rc.put("billing_cadence", c.billingCadence());
        }
        ObjectNode price = rc.putObject("price");
        Price p = c.price();
        if (p.type().equals("unit")) {
            price.put("type", "unit").put("amount", p.amount());
        } else {
            if (v1()) {
                price.put("type", "tiered").put("mode", p.type());
            } else {
                price.put("type", p.type());
            }
            ArrayNode tiers = price.putArray("tiers");
            for (Tier t : p.tiers()) {
                ObjectNode x = tiers.addObject();
                put(x, v1() ? "upToAmount" : "up_to_amount", t.upTo());
                if (t.flat() != null) {
                    x.putObject(v1() ? "flatPrice" : "flat_price")
                            .put("type", "flat")
                            .put("amount", t.flat());
                } else if (v1()) {
                    x.putNull("flatPrice");
                }
                if (t.unit() != null) {
                    x.putObject(v1() ? "unitPrice" : "unit_price")
                            .put("type", "unit")
                            .put("amount", t.unit());
                } else if (v1()) {
                    x.putNull("unitPrice");
                }
            }
        }
        return rc;
    }

    // ---- customers and subscriptions ----------------------------------------------------------------------------

    private JsonNode listCustomers(Map<String, String> q) {
        String key = v1() ? q.get("key") : q.get("filter[key]");
        return page(
                customers.stream()
                        .filter(c -> key == null
                                || (v1()
                                        ? c.key.toLowerCase(Locale.ROOT)
                                                .contains(key.toLowerCase(Locale.ROOT)) // partial, like v1
                                        : c.key.equals(key)))
                        .map(this::render)
                        .toList(),
                q);
    }

    private CustomerRec createCustomer(JsonNode b) {
        String key = str(b, "key");
        JsonNode attribution =
                b.path(v1() ? "usageAttribution" : "usage_attribution").path(v1() ? "subjectKeys" : "subject_keys");
        List<String> subjects = new ArrayList<>();
        attribution.forEach(s -> subjects.add(s.asText()));
        for (CustomerRec c : customers) {
            if (c.key.equals(key) || c.subjects.stream().anyMatch(subjects::contains)) {
                throw new Problem(409, "key", "customer with key " + key + " already exists");
            }
        }
        CustomerRec c = new CustomerRec();
        c.id = ulid();
        c.key = key;
        c.name = str(b, "name");
        c.email = str(b, v1() ? "primaryEmail" : "primary_email");
        c.subjects = subjects;
        c.created = now();
        customers.add(c);
        return c;
    }

    private JsonNode render(CustomerRec c) {
        ObjectNode o = obj().put("id", c.id).put("key", c.key).put("name", c.name);
        if (v1()) {
            put(o, "primaryEmail", c.email);
            ArrayNode subjects = o.putObject("usageAttribution").putArray("subjectKeys");
            c.subjects.forEach(subjects::add);
            o.put("createdAt", ts(c.created)).put("updatedAt", ts(c.created));
        } else {
            put(o, "primary_email", c.email);
            ArrayNode subjects = o.putObject("usage_attribution").putArray("subject_keys");
            c.subjects.forEach(subjects::add);
            o.put("created_at", ts(c.created)).put("updated_at", ts(c.created));
        }
        return o;
    }

    private SubscriptionRec subscribe(JsonNode b) {
        String customerId = v1() ? str(b, "customerId") : str(b.path("customer"), "id");
        String customerKey = v1() ? str(b, "customerKey") : str(b.path("customer"), "key");
        CustomerRec c = customers.stream()
                .filter(x -> x.id.equals(customerId) || x.key.equals(customerKey))
                .findFirst()
                .orElseThrow(() -> new Problem(v1() ? 400 : 404, "customer", "customer not found"));
        String planKey = str(b.path("plan"), "key");
        PlanRec plan = plans.stream()
                .filter(p ->
                        p.key.equals(planKey) && p.deleted == null && p.status().equals("active"))
                .findFirst()
                .orElseThrow(() -> new Problem(v1() ? 400 : 404, "plan.key", "no active plan " + planKey));
        if (subscriptions.stream().anyMatch(s -> s.customerId().equals(c.id))) {
            throw new Problem(409, "customer", "customer already has an active subscription");
        }
        SubscriptionRec s = new SubscriptionRec(ulid(), c.id, plan, now());
        subscriptions.add(s);
        return s;
    }

    private JsonNode render(SubscriptionRec s) {
        PlanRec p = s.plan();
        ObjectNode o = obj().put("id", s.id()).put("name", p.name).put("status", "active");
        if (v1()) {
            o.put("customerId", s.customerId())
                    .put("currency", p.currency)
                    .put("costBasisMode", "dynamic")
                    .put("billingCadence", p.billingCadence)
                    .put("billingAnchor", ts(s.created()))
                    .put("settlementMode", "credit_then_invoice")
                    .put("activeFrom", ts(s.created()))
                    .put("createdAt", ts(s.created()))
                    .put("updatedAt", ts(s.created()));
            o.putArray("costBasisPins");
            o.putObject("plan").put("id", p.id).put("key", p.key).put("version", p.version);
        } else {
            o.put("customer_id", s.customerId())
                    .put("invoice_currency", p.currency)
                    .put("cost_basis_mode", "dynamic")
                    .put("billing_cadence", p.billingCadence)
                    .put("billing_anchor", ts(s.created()))
                    .put("active_from", ts(s.created()))
                    .put("created_at", ts(s.created()))
                    .put("updated_at", ts(s.created()));
            o.putArray("cost_basis_pins");
            o.putObject("plan").put("id", p.id).put("key", p.key).put("version", p.version);
            ArrayNode phases = o.putArray("phases");
            for (Phase ph : p.phases) {
                ObjectNode x = phases.addObject()
                        .put("id", ulid())
                        .put("key", ph.key())
                        .put("name", ph.name())
                        .put("active_from", ts(s.created()))
                        .put("created_at", ts(s.created()))
                        .put("updated_at", ts(s.created()));
                ArrayNode items = x.putArray("items");
                for (Card c : ph.cards()) {
                    items.addObject()
                            .put("id", ulid())
                            .put("active_from", ts(s.created()))
                            .set("rate_card", render(c));
                }
            }
        }
        return o;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private JsonNode page(List<JsonNode> all, Map<String, String> q) {
        int size = Integer.parseInt(v1() ? q.getOrDefault("pageSize", "100") : q.getOrDefault("page[size]", "100"));
        int number = Integer.parseInt(v1() ? q.getOrDefault("page", "1") : q.getOrDefault("page[number]", "1"));
        ArrayNode items = JSON.createArrayNode();
        all.stream().skip((long) (number - 1) * size).limit(size).forEach(items::add);
        ObjectNode o = obj();
        if (v1()) {
            o.put("totalCount", all.size()).put("page", number).put("pageSize", size);
            o.set("items", items);
        } else {
            o.set("data", items);
            o.putObject("meta")
                    .putObject("page")
                    .put("number", number)
                    .put("size", size)
                    .put("total", all.size());
        }
        return o;
    }

    private JsonNode problem(Problem p) {
        String title = switch (p.status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 429 -> "Too Many Requests";
            default -> "Service Unavailable";
        };
        traces++;
        if (v1()) {
            return obj().put("type", "about:blank")
                    .put("title", title)
                    .put("status", p.status)
                    .put("detail", p.getMessage())
                    .put("instance", "urn:request:fake/" + traces);
        }
        ObjectNode o = obj().put("status", p.status)
                .put("title", title)
                .put("type", "https://httpstatuses.com/" + p.status)
                .put("instance", "kong:trace:" + traces)
                .put("detail", p.getMessage());
        if (p.status == 400) {
            o.putArray("invalid_parameters")
                    .addObject()
                    .put("field", p.field == null ? "body" : p.field)
                    .put("reason", p.getMessage())
                    .put("source", "body");
        }
        return o;
    }

    private <T> T byId(
            List<T> items,
            String id,
            java.util.function.Function<T, String> idOf,
            java.util.function.Function<T, String> keyOf,
            java.util.function.Predicate<T> live) {
        return items.stream()
                .filter(live)
                .filter(i -> idOf.apply(i).equals(id) || (v1() && keyOf.apply(i).equals(id)))
                .findFirst()
                .orElseThrow(() -> new Problem(404, null, id + " not found"));
    }

    private boolean v1() {
        return dialect == Dialect.V1;
    }

    private String ulid() {
        long n = ++ids;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            s.append(CROCKFORD.charAt((int) (n % 32)));
            n /= 32;
        }
        return "01JFAKE" + "000" + s.reverse();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String ts(Instant i) {
        return i.toString();
    }

    private static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static void put(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String str(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Map<String, String> map(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n != null && n.isObject()) {
            n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        }
        return m;
    }

    private static ObjectNode strings(Map<String, String> m) {
        ObjectNode o = obj();
        m.forEach(o::put);
        return o;
    }

    private static Map<String, String> params(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Map.of();
        }
        return java.util.Arrays.stream(raw.split("&"))
                .map(p -> p.split("=", 2))
                .collect(Collectors.toMap(
                        p -> decode(p[0]), p -> p.length > 1 ? decode(p[1]) : "", (a, b) -> a, LinkedHashMap::new));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
