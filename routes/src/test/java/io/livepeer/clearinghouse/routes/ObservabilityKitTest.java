package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.metering.MeteringMetrics;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The observability kit in {@code compose/} is checked against the application: after sample traffic (metered,
 * duplicate, skipped and dead-lettered events, a delivery failure and a rejected event, /authorize decisions),
 * every metric named by a Grafana panel or a Prometheus rule must exist on {@code /observe/metrics}, so that no panel
 * or alert silently points at nothing. Every alert must also carry a severity, a summary, a description and a
 * runbook link to a heading that exists in {@code docs/operations.md}.
 */
class ObservabilityKitTest extends PipelineTestSupport {

    /** The repository root: tests run in the {@code routes} module's directory. */
    static final Path REPO = Path.of("..");

    static final Path DASHBOARDS = REPO.resolve("compose/grafana/dashboards");
    static final Path RULES = REPO.resolve("compose/prometheus/rules");
    static final Path OPERATIONS = REPO.resolve("docs/operations.md");
    static final String RUNBOOKS = "docs/operations.md#";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Series Prometheus makes itself, not the application. */
    static final Set<String> PROMETHEUS_SERIES = Set.of("up", "ALERTS", "ALERTS_FOR_STATE");

    static final Set<String> PROMQL_KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "atan2",
            "inf",
            "nan");

    @Test
    void every_metric_the_dashboards_and_alert_rules_use_exists_after_sample_traffic() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 2);
        FakeOpenMeter openMeter = openMeter()
                .failNext(2, 503)
                .rejectEvents(e -> e.path("subject").asText().equals("refused:customer"), "scripted refusal");
        ClearinghouseApp app = start(
                stage,
                openMeter.v1BaseUrl(),
                // a probe of a signer that does not answer: the signer gauges and health check are registered
                Map.of("clearinghouse.bridge.signer-url", "http://127.0.0.1:" + freePort()));

        List<String> ids = validIds(5);
        for (String id : ids) {
            kafka.send(stage.topic(), id, signedTicket(id, "acme:alice", "1000000000000", "live-video-to-video"));
        }
        // a redelivered copy (the same bytes; the same id with other content would be a fork)
        kafka.send(
                stage.topic(), "dup", signedTicket(ids.get(0), "acme:alice", "1000000000000", "live-video-to-video"));
        String refused = validIds(1).get(0);
        kafka.send(stage.topic(), refused, signedTicket(refused, "refused:customer", "5", "live"));
        kafka.send(stage.topic(), "poison", "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\"}}");
        kafka.send(stage.topic(), "other", "{\"type\":\"discovery_results\",\"data\":[]}");
        request(
                stage.httpPort(),
                "POST",
                "/authorize",
                null,
                AuthorizeWebhookTest.body("sk_live_unknown", ""),
                Map.of("Authorization", "Bearer " + WEBHOOK_SECRET));
        request(stage.httpPort(), "POST", "/authorize", null, "{}", Map.of("Authorization", "Bearer wrong"));

        Clearinghouse ch = app.services();
        eventually()
                .until(() -> ch.delivery().metrics().deliveredCount() == ids.size()
                        && ch.delivery().metrics().rejectedCount() == 1
                        && ch.metrics().deadLetteredCount() == 1
                        && ch.metrics().skippedCount() == 1);
        assertThat(openMeter.requests()).filteredOn(r -> r.status() == 503).hasSize(2);
        // the timer-refreshed gauges (consumer lag, health) appear after their first refresh, and Micrometer
        // registers the GC pause timer at the first collection: a young test JVM may not have collected yet
        eventually().until(() -> {
            Set<String> names = sampleNames(scrape(stage));
            if (!names.contains("jvm_gc_pause_seconds_sum")) {
                System.gc();
            }
            return names.containsAll(
                    Set.of("clearinghouse_kafka_consumer_lag", "clearinghouse_health_up", "jvm_gc_pause_seconds_sum"));
        });

        Set<String> available = sampleNames(scrape(stage));
        Map<String, Set<String>> used = new TreeMap<>();
        usedByDashboards()
                .forEach((name, where) ->
                        used.computeIfAbsent(name, n -> new TreeSet<>()).addAll(where));
        usedByRules()
                .forEach((name, where) ->
                        used.computeIfAbsent(name, n -> new TreeSet<>()).addAll(where));

        assertThat(used)
                .as("the kit names metrics at all")
                .containsKeys(
                        "clearinghouse_events_consumed_total",
                        "clearinghouse_authorize_seconds_bucket",
                        "clearinghouse_outbox_backlog");
        Map<String, Set<String>> missing = new TreeMap<>(used);
        missing.keySet().removeAll(available);
        assertThat(missing)
                .as("metrics named by compose/grafana/dashboards and compose/prometheus/rules (with where) that"
                        + " /observe/metrics does not expose")
                .isEmpty();
        assertThat(sampleValue(scrape(stage), "clearinghouse_events_dead_lettered_total{reason=\"invalid_fee\"}"))
                .isEqualTo(1.0);
        assertThat(sampleValue(scrape(stage), "clearinghouse_openmeter_requests_total{outcome=\"retryable\"}"))
                .isGreaterThanOrEqualTo(2.0);
    }

    @Test
    void every_alert_has_a_severity_a_summary_a_description_and_a_runbook_section() throws Exception {
        Set<String> anchors = headingAnchors(Files.readString(OPERATIONS));
        List<JsonNode> alerts = alertRules();
        assertThat(alerts).isNotEmpty();
        for (JsonNode rule : alerts) {
            String alert = rule.path("alert").asText();
            assertThat(rule.path("labels").path("severity").asText())
                    .as(alert + " severity")
                    .isIn("critical", "warning");
            assertThat(rule.path("annotations").path("summary").asText())
                    .as(alert + " summary")
                    .isNotBlank();
            assertThat(rule.path("annotations").path("description").asText())
                    .as(alert + " description")
                    .isNotBlank();
            String runbook = rule.path("annotations").path("runbook_url").asText();
            assertThat(runbook).as(alert + " runbook_url").startsWith(RUNBOOKS);
            assertThat(anchors)
                    .as(alert + ": docs/operations.md has a heading for " + runbook)
                    .contains(runbook.substring(RUNBOOKS.length()));
        }
    }

    @Test
    void metric_names_are_read_from_promql_without_functions_labels_keywords_or_grafana_variables() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (job, le) (rate(a_seconds_bucket{job=\"x\","
                        + " instance=~\"$instance\"}[$__rate_interval]))) > 1"))
                .containsExactly("a_seconds_bucket");
        assertThat(metricNames("max by (job) (b) > 0 and on (job) sum without (outcome)"
                        + " (increase(c_total{outcome=\"success\"}[15m] offset 5m)) == bool 0 or up == 0"))
                .containsExactly("b", "c_total");
        assertThat(metricNames("-max(d{account=\"system:grants\"}) / 1e6 unless ALERTS"))
                .containsExactly("d");
        assertThat(metricNames("e:recorded:rate5m * on (instance) group_left (version) f_info"))
                .containsExactly("e:recorded:rate5m", "f_info");
    }

    @Test
    void dead_letter_reasons_fall_into_the_fixed_categories_of_the_reason_label() {
        SignerEventMetering metering = new SignerEventMetering(
                new UsageCloudEventMapper("test"),
                Catalog.defaultCatalog().markup(),
                new MeteringLimits(BigInteger.TEN.pow(21), Duration.ofHours(1), Duration.ofDays(30)));
        PriceQuote price = new PriceQuote(new BigDecimal("3000"), Instant.now(), "static");
        Map<String, String> records = new LinkedHashMap<>();
        records.put("not json", "malformed");
        records.put("[1,2]", "malformed");
        records.put("{\"data\":{}}", "malformed");
        records.put("{\"type\":\"create_signed_ticket\",\"data\":[]}", "malformed");
        records.put("{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\"}}", "invalid_fee");
        records.put(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"-5\"}}",
                "invalid_fee");
        records.put(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"1e30\"}}",
                "invalid_fee");
        records.put("{\"type\":\"create_signed_ticket\",\"data\":{\"computed_fee\":\"5\"}}", "no_identity");
        records.put(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"5\","
                        + "\"current_time\":\"2999-01-01T00:00:00Z\"}}",
                "future_time");
        records.put(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"5\","
                        + "\"current_time\":\"2000-01-01T00:00:00Z\"}}",
                "too_old");
        records.put(
                "{\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\"c:u\",\"computed_fee\":\"5\","
                        + "\"pixels\":-1}}",
                "invalid_field");
        records.forEach((raw, category) -> {
            MeteringOutcome outcome = metering.meter(raw.getBytes(StandardCharsets.UTF_8), price, Instant.now());
            assertThat(outcome).as(raw).isInstanceOf(MeteringOutcome.Rejected.class);
            String reason = ((MeteringOutcome.Rejected) outcome).reason();
            assertThat(MeteringMetrics.reasonCategory(reason)).as(reason).isEqualTo(category);
        });
        assertThat(MeteringMetrics.reasonCategory("internal error while metering: boom"))
                .isEqualTo("internal_error");
        assertThat(MeteringMetrics.reasonCategory("refused by the database: SQLSTATE 23513: check constraint"))
                .isEqualTo("refused_by_database");
        assertThat(MeteringMetrics.reasonCategory("dead letter refused by the database: SQLSTATE 22001: x"))
                .isEqualTo("refused_by_database");
        assertThat(MeteringMetrics.reasonCategory("fork: event id x was seen before with different content"))
                .isEqualTo("fork");
        assertThat(MeteringMetrics.REASONS).containsAll(records.values()).contains("fork");
    }

    /** Metric names in the {@code expr} of every panel target of every dashboard, with the panels naming them. */
    static Map<String, Set<String>> usedByDashboards() throws IOException {
        Map<String, Set<String>> used = new LinkedHashMap<>();
        List<Path> files = files(DASHBOARDS, ".json");
        assertThat(files).as("dashboards in " + DASHBOARDS).isNotEmpty();
        for (Path file : files) {
            JsonNode dashboard = Json.mapper().readTree(file.toFile());
            collectExpressions(
                    dashboard,
                    dashboard.path("title").asText(),
                    (where, expr) -> metricNames(expr)
                            .forEach(name -> used.computeIfAbsent(name, n -> new TreeSet<>())
                                    .add(file.getFileName() + ": " + where)));
        }
        return used;
    }

    /** Metric names in the {@code expr} of every rule, with the rules naming them. */
    static Map<String, Set<String>> usedByRules() throws IOException {
        Map<String, Set<String>> used = new LinkedHashMap<>();
        for (JsonNode rule : rules()) {
            String where = rule.has("alert")
                    ? "alert " + rule.path("alert").asText()
                    : "record " + rule.path("record").asText();
            metricNames(rule.path("expr").asText())
                    .forEach(name ->
                            used.computeIfAbsent(name, n -> new TreeSet<>()).add(where));
        }
        return used;
    }

    static List<JsonNode> rules() throws IOException {
        List<Path> files = files(RULES, ".yml");
        assertThat(files).as("rule files in " + RULES).isNotEmpty();
        List<JsonNode> rules = new ArrayList<>();
        for (Path file : files) {
            for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
                group.path("rules").forEach(rules::add);
            }
        }
        assertThat(rules).as("rules in " + RULES).isNotEmpty();
        return rules;
    }

    static List<JsonNode> alertRules() throws IOException {
        return rules().stream().filter(r -> r.has("alert")).toList();
    }

    interface ExpressionVisitor {
        void visit(String where, String expr);
    }

    /** Walks a dashboard (panels, nested rows, targets): every {@code expr} with the title of its panel. */
    static void collectExpressions(JsonNode node, String where, ExpressionVisitor visitor) {
        if (node.isObject()) {
            String here = node.has("title") ? node.path("title").asText() : where;
            if (node.path("expr").isTextual()) {
                visitor.visit(here, node.path("expr").asText());
            }
            node.fields().forEachRemaining(field -> collectExpressions(field.getValue(), here, visitor));
        } else if (node.isArray()) {
            node.forEach(child -> collectExpressions(child, where, visitor));
        }
    }

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LISTS = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    /**
     * The metric names a PromQL expression selects: label matchers, ranges, grouping label lists, strings, numbers,
     * Grafana variables, keywords and function or aggregation names are not metric names; neither are the series
     * Prometheus makes itself ({@code up}, {@code ALERTS}).
     */
    static Set<String> metricNames(String expr) {
        String bare = STRING.matcher(expr).replaceAll(" ");
        bare = MATCHERS.matcher(bare).replaceAll(" ");
        bare = RANGES.matcher(bare).replaceAll(" ");
        bare = LABEL_LISTS.matcher(bare).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String name = m.group(1);
            boolean function = m.group(2) != null;
            if (!function
                    && !PROMQL_KEYWORDS.contains(name.toLowerCase(Locale.ROOT))
                    && !PROMETHEUS_SERIES.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    static String scrape(Stage stage) throws Exception {
        return get(stage.managementPort(), "/observe/metrics").body();
    }

    /**
     * The sample names of a Prometheus text exposition ({@code _bucket}, {@code _count}, {@code _sum} of histograms
     * and summaries are their own samples, so a query of a histogram's bare family name counts as missing).
     */
    static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        exposition
                .lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }

    /** The value of the sample written exactly as {@code series} (name and labels). */
    static double sampleValue(String exposition, String series) {
        return exposition
                .lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line ->
                        Double.parseDouble(line.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + series));
    }

    /** GitHub's anchors of the markdown headings: lower case, punctuation dropped, spaces as hyphens. */
    static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        markdown.lines()
                .filter(line -> line.matches("#{1,6} .*"))
                .map(line -> line.replaceFirst("#{1,6} ", "").trim().toLowerCase(Locale.ROOT))
                .map(text -> text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'))
                .forEach(anchors::add);
        return anchors;
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
        }
    }
}
