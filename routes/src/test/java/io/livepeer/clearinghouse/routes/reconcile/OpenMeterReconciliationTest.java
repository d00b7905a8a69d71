package io.livepeer.clearinghouse.routes.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import io.livepeer.clearinghouse.openmeter.WindowSize;
import io.livepeer.clearinghouse.routes.reconcile.DriftReport.Drift;
import io.livepeer.clearinghouse.routes.reconcile.DriftReport.ListingStatus;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Outbox ↔ OpenMeter per subject and window, against the OpenMeter stand-in in both dialects (v1 self-hosted and
 * Konnect's v3), with the events listing telling double-counted (an id of ours stored twice, or one of our tickets
 * under another id) from extra (an id we never delivered).
 */
class OpenMeterReconciliationTest {

    static final Instant FROM = Instant.parse("2026-08-20T10:00:00Z");
    static final Instant TO = FROM.plusSeconds(7200); // two hours: 10:00 and 11:00
    static final Instant ELEVEN = FROM.plusSeconds(3600);
    static final Tolerance ONE_MICRO = Tolerance.parse(List.of("1"));
    static final ReconcileMeters METERS =
            new ReconcileMeters("signed_ticket_count", "network_fee_usd_micros", "billable_usd_micros");
    static final ObjectMapper JSON = new ObjectMapper();

    FakeOpenMeter openmeter;
    Database db;

    @BeforeEach
    void start() {
        openmeter = FakeOpenMeter.start().defineReferenceMeters();
    }

    @AfterEach
    void stop() {
        assertThat(openmeter.contractViolations()).isEmpty();
        openmeter.close();
        if (db != null) {
            db.close();
        }
    }

    /** A CloudEvent as metering writes it, with the ticket identity fields. */
    static OutboxEntry event(String id, String subject, Instant time, String session, String request, long micros) {
        String cloudEvent = "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"go-livepeer-remote-signer\","
                + "\"type\":\"create_signed_ticket\",\"subject\":\"" + subject + "\",\"time\":\"" + time + "\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"network_fee_usd_micros\":" + micros
                + ",\"billable_usd_micros\":" + micros + ",\"fee_wei\":" + micros * 1000 + ",\"session_id\":\""
                + session + "\",\"gateway_request_id\":\"" + request + "\"}}";
        return new OutboxEntry(
                id,
                subject,
                "live",
                "unknown",
                time,
                BigInteger.valueOf(micros * 1000),
                BigDecimal.valueOf(micros),
                BigDecimal.valueOf(micros),
                new BigDecimal("3000"),
                cloudEvent,
                null,
                null);
    }

    /** acme: a1, a2 at 10:xx and a3 at 11:xx; globex: g1 at 10:xx. */
    static final List<OutboxEntry> DELIVERED = List.of(
            event("a1", "acme", FROM.plusSeconds(60), "5e55a000", "r0000001", 100),
            event("a2", "acme", FROM.plusSeconds(120), "5e55a000", "r0000002", 200),
            event("a3", "acme", ELEVEN.plusSeconds(30), "5e55a000", "r0000003", 400),
            event("g1", "globex", FROM.plusSeconds(600), "6e55a000", "r0000004", 1000));

    String url(String dialect) {
        return dialect.equals("v1") ? openmeter.v1BaseUrl() : openmeter.konnectBaseUrl();
    }

    OpenMeterClient client(String dialect) {
        return new OpenMeterClient(
                OpenMeterUrl.resolve(url(dialect)), Optional.empty(), Duration.ofSeconds(30), Retries.none());
    }

    void deliver(JdbcTarget target, String dialect) throws Exception {
        db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
        new UsageRecorder(db, null, java.time.Clock.systemUTC()).record(DELIVERED, List.of());
        ingest(dialect, DELIVERED);
        DeliveryQueue queue = new DeliveryQueue(db, "test", Duration.ofMinutes(1));
        queue.markDelivered(queue.claim(100, TO.plusSeconds(3600)).stream()
                .map(DeliveryQueue.PendingEvent::seq)
                .toList());
    }

    void ingest(String dialect, List<OutboxEntry> events) throws Exception {
        List<String> json = new ArrayList<>();
        events.forEach(e -> json.add(e.cloudEvent()));
        client(dialect).ingest(("[" + String.join(",", json) + "]").getBytes(StandardCharsets.UTF_8));
    }

    DriftReport reconcile(String dialect, WindowSize size, OpenMeterReconciliation.ListingLimits limits)
            throws Exception {
        return new OpenMeterReconciliation(
                        new DeliveredUsage(db), client(dialect), METERS, ONE_MICRO, Optional.ofNullable(size), limits)
                .run(FROM, TO);
    }

    DriftReport hourly(String dialect) throws Exception {
        return reconcile(dialect, WindowSize.HOUR, new OpenMeterReconciliation.ListingLimits(20, 10));
    }

    static DriftReport.SubjectDrift subject(DriftReport report, String subject) {
        return report.subjects().stream()
                .filter(s -> s.subject().equals(subject))
                .findFirst()
                .orElseThrow();
    }

    static DriftReport.WindowDrift window(DriftReport report, String subject, Instant start) {
        return subject(report, subject).windows().stream()
                .filter(w -> w.from().equals(start))
                .findFirst()
                .orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void in_sync_per_window_with_a_total_per_subject(String dialect) throws Exception {
        deliver(TestDatabases.h2(), dialect);

        DriftReport report = hourly(dialect);

        assertThat(report.inSync()).isTrue();
        assertThat(subject(report, "acme").windows())
                .extracting(
                        DriftReport.WindowDrift::from,
                        w -> w.comparisons().get(0).ours())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(FROM, BigDecimal.valueOf(2)),
                        org.assertj.core.groups.Tuple.tuple(ELEVEN, BigDecimal.ONE));
        assertThat(subject(report, "acme").comparisons().get(1).ours()).isEqualByComparingTo("700");
        assertThat(openmeter.listRequests()).isZero(); // nothing to explain, nothing listed
        JsonNode json = JSON.readTree(report.json());
        assertThat(json.path("window_size").asText()).isEqualTo("HOUR");
        assertThat(json.path("subjects").get(0).path("windows")).hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void lost_usage_is_missing_in_the_window_it_belongs_to(String dialect) throws Exception {
        openmeter.loseUsageOf(e -> e.path("id").asText().equals("a3"));
        deliver(TestDatabases.h2(), dialect);

        DriftReport report = hourly(dialect);

        assertThat(window(report, "acme", FROM).inSync()).isTrue();
        DriftReport.WindowDrift eleven = window(report, "acme", ELEVEN);
        assertThat(eleven.drift()).isEqualTo(Drift.MISSING);
        assertThat(eleven.listing()).isNull(); // only OpenMeter having more is listed
        assertThat(subject(report, "acme").drift()).isEqualTo(Drift.MISSING);
        assertThat(subject(report, "globex").inSync()).isTrue();
        assertThat(report.markdown())
                .contains("windows of one hour (UTC)")
                .contains("| acme | " + ELEVEN + " | events | signed_ticket_count | 1 | 0 | -1 | missing |")
                .contains("| acme | total | events | signed_ticket_count | 3 | 2 | -1 | missing |")
                .doesNotContain("| acme | " + FROM + " |");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void a_subject_sent_twice_whole_is_double_counted_with_its_ids(String dialect) throws Exception {
        deliver(TestDatabases.h2(), dialect);
        ingest(dialect, DELIVERED.subList(0, 3)); // acme's three events again, same ids (no dedupe)

        DriftReport report = hourly(dialect);

        for (Instant start : List.of(FROM, ELEVEN)) {
            DriftReport.WindowDrift w = window(report, "acme", start);
            assertThat(w.drift()).isEqualTo(Drift.DOUBLE_COUNTED);
            assertThat(w.comparisons().get(0).factor()).isEqualTo(2);
            assertThat(w.listing().status()).isEqualTo(ListingStatus.LISTED);
            assertThat(w.listing().extra()).isEmpty();
        }
        assertThat(window(report, "acme", FROM).listing().doubleCounted())
                .containsExactly(new DriftReport.Duplicate("a1", 2, null), new DriftReport.Duplicate("a2", 2, null));
        assertThat(subject(report, "acme").comparisons().get(0).drift()).isEqualTo(Drift.DOUBLE_COUNTED);
        assertThat(subject(report, "globex").inSync()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void a_partial_duplicate_is_double_counted_with_its_id_not_extra(String dialect) throws Exception {
        deliver(TestDatabases.h2(), dialect);
        ingest(dialect, List.of(DELIVERED.get(1))); // a2 once more: 3 of 2 in the 10:00 window, not a multiple

        DriftReport heuristic = reconcile(dialect, WindowSize.HOUR, OpenMeterReconciliation.ListingLimits.NONE);
        assertThat(window(heuristic, "acme", FROM).drift()).isEqualTo(Drift.EXTRA); // what the totals alone say

        DriftReport report = hourly(dialect);
        DriftReport.WindowDrift ten = window(report, "acme", FROM);
        assertThat(ten.drift()).isEqualTo(Drift.DOUBLE_COUNTED);
        assertThat(ten.listing().doubleCounted()).containsExactly(new DriftReport.Duplicate("a2", 2, null));
        assertThat(window(report, "acme", ELEVEN).inSync()).isTrue();
        assertThat(report.markdown())
                .contains("| acme | " + FROM + " | events | signed_ticket_count | 2 | 3 | +1 | double-counted |")
                .contains("double-counted: a2 ×2")
                .contains("OpenMeter counted 1 event(s) of ours more than once: double-counted");
        JsonNode listing = JSON.readTree(report.json())
                .path("subjects")
                .get(0)
                .path("windows")
                .get(0)
                .path("listing");
        assertThat(listing.path("status").asText()).isEqualTo("listed");
        assertThat(listing.path("double_counted").get(0).path("id").asText()).isEqualTo("a2");
        assertThat(listing.path("double_counted").get(0).path("copies").asInt()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void one_of_our_tickets_under_another_id_is_double_counted_and_names_ours(String dialect) throws Exception {
        deliver(TestDatabases.h2(), dialect);
        // the same ticket (session, request id, fee, second) re-sent under a new id, e.g. by a second pipeline
        ingest(dialect, List.of(event("copy-of-a3", "acme", ELEVEN.plusSeconds(30), "5e55a000", "r0000003", 400)));

        DriftReport.WindowDrift eleven = window(hourly(dialect), "acme", ELEVEN);

        assertThat(eleven.drift()).isEqualTo(Drift.DOUBLE_COUNTED);
        assertThat(eleven.comparisons().get(1).factor()).isEqualTo(2);
        assertThat(eleven.listing().doubleCounted()).containsExactly(new DriftReport.Duplicate("copy-of-a3", 1, "a3"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void an_event_we_never_sent_is_extra_with_its_id_even_when_the_totals_look_doubled(String dialect)
            throws Exception {
        deliver(TestDatabases.h2(), dialect);
        // a foreign event for globex worth exactly its usage: the totals alone would say "double-counted ×2"
        ingest(dialect, List.of(event("foreign-1", "globex", FROM.plusSeconds(700), "77777777", "r9999999", 1000)));

        DriftReport heuristic = reconcile(dialect, WindowSize.HOUR, OpenMeterReconciliation.ListingLimits.NONE);
        assertThat(subject(heuristic, "globex").drift()).isEqualTo(Drift.DOUBLE_COUNTED);

        DriftReport report = hourly(dialect);
        DriftReport.WindowDrift ten = window(report, "globex", FROM);
        assertThat(ten.drift()).isEqualTo(Drift.EXTRA);
        assertThat(ten.comparisons().get(0).factor()).isNull();
        assertThat(ten.listing().extra()).containsExactly(new DriftReport.Extra("foreign-1", 1));
        assertThat(subject(report, "globex").comparisons().get(0).drift()).isEqualTo(Drift.EXTRA);
        assertThat(report.subjectsByDrift().get(Drift.EXTRA)).isEqualTo(1);
        assertThat(report.markdown()).contains("extra: foreign-1");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v1", "v3"})
    void a_listing_openmeter_refuses_keeps_the_totals_heuristic_and_says_so(String dialect) throws Exception {
        deliver(TestDatabases.h2(), dialect);
        ingest(dialect, List.of(DELIVERED.get(3))); // g1 twice
        openmeter.refuseEventListing(403);

        DriftReport.WindowDrift ten = window(hourly(dialect), "globex", FROM);

        assertThat(ten.drift()).isEqualTo(Drift.DOUBLE_COUNTED); // OpenMeter = 2 × ours
        assertThat(ten.listing().status()).isEqualTo(ListingStatus.UNAVAILABLE);
        assertThat(ten.listing().note()).contains("403").contains("classified from the totals (heuristic)");
    }

    @Test
    void a_listing_past_its_page_limit_is_truncated_and_says_so() throws Exception {
        deliver(TestDatabases.h2(), "v3");
        ingest("v3", DELIVERED.subList(0, 2));
        openmeter.listPageSize(1); // four events in the 10:00 window, one per page

        DriftReport.WindowDrift ten = window(
                reconcile("v3", WindowSize.HOUR, new OpenMeterReconciliation.ListingLimits(20, 2)), "acme", FROM);

        assertThat(ten.listing().status()).isEqualTo(ListingStatus.TRUNCATED);
        assertThat(ten.listing().note()).contains("page limit 2 reached").contains("heuristic");
        assertThat(ten.drift()).isEqualTo(Drift.DOUBLE_COUNTED); // the totals: 2 × ours
        assertThat(openmeter.listRequests()).isEqualTo(2);

        // with enough pages the same window is listed whole, by following the cursor
        DriftReport.WindowDrift listed = window(
                reconcile("v3", WindowSize.HOUR, new OpenMeterReconciliation.ListingLimits(20, 10)), "acme", FROM);
        assertThat(listed.listing().status()).isEqualTo(ListingStatus.LISTED);
        assertThat(listed.listing().listed()).isEqualTo(4);
    }

    @Test
    void the_v1_listing_pages_past_100_events_by_halving_the_period() throws Exception {
        List<OutboxEntry> many = new ArrayList<>();
        for (int i = 0; i < 250; i++) { // one every 14 s of the 10:00 hour
            many.add(event("m" + i, "acme", FROM.plusSeconds(14L * i), "5e55b000", "q" + i, 1));
        }
        for (int i = 0; i < 30; i++) { // OpenMeter's v1 subject filter is partial: these come back too
            many.add(event("w" + i, "acme-west", FROM.plusSeconds(100L * i), "5e55c000", "v" + i, 1));
        }
        ingest("v1", many);

        var listed = client("v1").listEvents("acme", FROM, ELEVEN, 10);
        assertThat(listed.truncated()).isFalse();
        assertThat(listed.events())
                .extracting(e -> e.path("id").asText())
                .hasSize(250)
                .doesNotHaveDuplicates()
                .allMatch(id -> id.startsWith("m"));
        assertThat(listed.pages()).isBetween(3, 10);

        // a budget too small to split the first full page keeps its 100 and says truncated
        var cut = client("v1").listEvents("acme", FROM, ELEVEN, 2);
        assertThat(cut.truncated()).isTrue();
        assertThat(cut.pages()).isEqualTo(1);

        // 120 events in one second cannot be split: truncated however large the budget
        List<OutboxEntry> burst = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            burst.add(event("b" + i, "burst", ELEVEN.plusSeconds(5), "5e55d000", "p" + i, 1));
        }
        ingest("v1", burst);
        var second = client("v1").listEvents("burst", ELEVEN, TO, 40);
        assertThat(second.truncated()).isTrue();
        assertThat(second.pages()).isLessThanOrEqualTo(40);
    }

    @Test
    void windows_beyond_the_listing_limit_are_skipped_with_a_note() throws Exception {
        deliver(TestDatabases.h2(), "v1");
        ingest("v1", DELIVERED); // everything twice: three drifting subject-windows

        DriftReport report = reconcile("v1", WindowSize.HOUR, new OpenMeterReconciliation.ListingLimits(1, 1));

        assertThat(window(report, "acme", FROM).listing().status()).isEqualTo(ListingStatus.LISTED);
        assertThat(window(report, "acme", ELEVEN).listing().status()).isEqualTo(ListingStatus.SKIPPED);
        assertThat(window(report, "globex", FROM).listing().note()).contains("listing limit (1)");
        assertThat(openmeter.listRequests()).isEqualTo(1);
    }

    @Test
    void on_postgresql_minute_windows_locate_the_drift_and_the_period_report_stays_as_before() throws Exception {
        deliver(TestDatabases.postgres(), "v3");
        ingest("v3", List.of(DELIVERED.get(1))); // a2 (10:02) again

        DriftReport minutes = reconcile("v3", WindowSize.MINUTE, new OpenMeterReconciliation.ListingLimits(20, 10));
        assertThat(subject(minutes, "acme").drifted()).singleElement().satisfies(w -> {
            assertThat(w.from()).isEqualTo(FROM.plusSeconds(120));
            assertThat(w.to()).isEqualTo(FROM.plusSeconds(180));
            assertThat(w.drift()).isEqualTo(Drift.DOUBLE_COUNTED);
        });

        DriftReport period = reconcile("v3", null, new OpenMeterReconciliation.ListingLimits(20, 10));
        assertThat(subject(period, "acme").windows()).singleElement().satisfies(w -> {
            assertThat(w.from()).isEqualTo(FROM);
            assertThat(w.to()).isEqualTo(TO);
        });
        assertThat(subject(period, "acme").drift()).isEqualTo(Drift.DOUBLE_COUNTED);
        assertThat(period.markdown())
                .contains("| acme | events | signed_ticket_count | 3 | 4 | +1 | double-counted |")
                .doesNotContain("windows of one");
    }

    @Test
    void the_scheduled_job_exports_the_drift_it_located() throws Exception {
        deliver(TestDatabases.h2(), "v1");
        ingest("v1", List.of(DELIVERED.get(1))); // a2 once more
        MutableClock clock = new MutableClock(TO.plusSeconds(900));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ReconcileMetrics metrics = new ReconcileMetrics(registry, METERS);
        ReconcileSettings settings = new ReconcileSettings(
                true,
                Optional.of(openmeter.v1BaseUrl()),
                Optional.empty(),
                Duration.ofHours(1),
                Duration.ZERO,
                Duration.ofHours(2),
                Duration.ofMinutes(15),
                ONE_MICRO,
                METERS,
                Duration.ofSeconds(30),
                Optional.of(WindowSize.HOUR),
                new OpenMeterReconciliation.ListingLimits(20, 10));
        OpenMeterReconciliation reconciliation = new OpenMeterReconciliation(
                new DeliveredUsage(db), client("v1"), METERS, ONE_MICRO, settings.windowSize(), settings.listing());

        DriftReport report = new ReconcileJob(reconciliation, settings, metrics, clock).run();

        assertThat(report.from()).isEqualTo(FROM);
        String scraped = registry.scrape();
        assertThat(scraped)
                .contains("clearinghouse_openmeter_drift_subjects{drift=\"double-counted\"} 1.0")
                .contains("clearinghouse_openmeter_drift_subjects{drift=\"extra\"} 0.0")
                .contains("clearinghouse_openmeter_drift_events{meter=\"signed_ticket_count\"} 1.0")
                .contains("clearinghouse_openmeter_drift_usd_micros{meter=\"network_fee_usd_micros\"} 200.0")
                .contains("clearinghouse_reconcile_runs_total{outcome=\"drift\"} 1.0");
    }
}
