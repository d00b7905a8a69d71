package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./clearinghouse reconcile openmeter}: the outbox (H2 and PostgreSQL) against the OpenMeter stand-in answering
 * meter queries in both dialects, with its exit codes: 0 in sync, 3 on missing, doubled or extra usage.
 */
class ReconcileCommandTest {

    static final Instant FROM = Instant.parse("2026-08-20T00:00:00Z");
    static final Instant TO = Instant.parse("2026-08-21T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(TO.plusSeconds(3600), ZoneOffset.UTC);
    static final ObjectMapper JSON = new ObjectMapper();

    FakeOpenMeter openmeter;

    @BeforeEach
    void start() {
        openmeter = FakeOpenMeter.start().defineReferenceMeters();
    }

    @AfterEach
    void stop() {
        assertThat(openmeter.contractViolations()).isEmpty();
        openmeter.close();
    }

    /** Each database with each dialect's URL form. */
    static Stream<Arguments> setups() {
        // a fresh database for each
        return Stream.of(
                Arguments.of(TestDatabases.h2(), "v1"),
                Arguments.of(TestDatabases.h2(), "v3"),
                Arguments.of(TestDatabases.postgres(), "v1"),
                Arguments.of(TestDatabases.postgres(), "v3"));
    }

    String url(String dialect) {
        return dialect.equals("v1") ? openmeter.v1BaseUrl() : openmeter.konnectBaseUrl();
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    Run reconcile(JdbcTarget db, String dialect, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "reconcile",
                "openmeter",
                "--from",
                FROM.toString(),
                "--to",
                TO.toString(),
                "--jdbc-url",
                db.url(),
                "--jdbc-user",
                db.user(),
                "--url",
                url(dialect),
                "--retries",
                "0"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    static OutboxEntry entry(String id, String subject, Instant time, String network, String billable) {
        String cloudEvent = "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"go-livepeer-remote-signer\","
                + "\"type\":\"create_signed_ticket\",\"subject\":\"" + subject + "\",\"time\":\"" + time + "\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"network_fee_usd_micros\":" + network
                + ",\"billable_usd_micros\":" + billable + ",\"pipeline\":\"live\",\"model_id\":\"unknown\"}}";
        return new OutboxEntry(
                id,
                subject,
                "live",
                "unknown",
                time,
                BigInteger.TEN,
                new BigDecimal(network),
                new BigDecimal(billable),
                new BigDecimal("3000"),
                cloudEvent,
                null,
                null);
    }

    /**
     * The outbox of the scenario, delivered to OpenMeter as the delivery flow does (ingest, then mark delivered):
     * acme has 3 events in the period (fractional micros, one in the first and one in the last second), one just
     * before and one at the end (outside), globex 2 in the period plus one still pending (not counted either side).
     */
    void deliver(JdbcTarget target, String dialect) throws Exception {
        List<OutboxEntry> delivered = List.of(
                entry("a1", "acme", FROM, "1000000.123456789012", "1150000.141975307364"),
                entry("a2", "acme", FROM.plusSeconds(3600).plusMillis(250), "2000000", "2300000"),
                entry("a3", "acme", TO.minusMillis(1), "0.000000003", "0.00000000345"),
                entry("a-before", "acme", FROM.minusMillis(1), "5", "5"),
                entry("a-at-end", "acme", TO, "7", "7"),
                entry("g1", "globex", FROM.plusSeconds(60), "42", "42"),
                entry("g2", "globex", FROM.plusSeconds(120), "58", "58"));
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            UsageRecorder recorder = new UsageRecorder(db, null, CLOCK);
            recorder.record(delivered, List.of());
            client(dialect).ingest(batch(delivered));
            DeliveryQueue queue = new DeliveryQueue(db, "test", Duration.ofMinutes(1));
            assertThat(queue.markDelivered(queue.claim(100, CLOCK.instant()).stream()
                            .map(DeliveryQueue.PendingEvent::seq)
                            .toList()))
                    .isEqualTo(delivered.size());
            recorder.record(List.of(entry("g3-pending", "globex", FROM.plusSeconds(180), "1000", "1000")), List.of());
        }
    }

    OpenMeterClient client(String dialect) {
        return new OpenMeterClient(
                OpenMeterUrl.resolve(url(dialect)), Optional.empty(), Duration.ofSeconds(60), Retries.none());
    }

    static byte[] batch(List<OutboxEntry> entries) {
        return ("["
                        + String.join(
                                ",",
                                entries.stream().map(OutboxEntry::cloudEvent).toList()) + "]")
                .getBytes(StandardCharsets.UTF_8);
    }

    static JsonNode subject(JsonNode report, String subject) {
        for (JsonNode s : report.path("subjects")) {
            if (s.path("subject").asText().equals(subject)) {
                return s;
            }
        }
        throw new AssertionError("no subject " + subject + " in " + report);
    }

    static String drift(JsonNode subject, String measure) {
        for (JsonNode c : subject.path("comparisons")) {
            if (c.path("measure").asText().equals(measure)) {
                return c.path("drift").asText();
            }
        }
        throw new AssertionError("no measure " + measure);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("setups")
    void in_sync_exits_0_counting_only_delivered_events_of_the_period(JdbcTarget db, String dialect) throws Exception {
        deliver(db, dialect);

        Run table = reconcile(db, dialect);
        assertThat(table.code()).as(table.out() + table.err()).isZero();
        assertThat(table.out())
                .contains("# Outbox ↔ OpenMeter reconciliation")
                .contains("OpenMeter " + dialect)
                .contains("2 subject(s): 2 in sync")
                .contains("1 pending and 0 rejected event(s) of the period")
                .contains("**In sync.**");

        Run json = reconcile(db, dialect, "--json");
        assertThat(json.code()).isZero();
        JsonNode report = JSON.readTree(json.out());
        assertThat(report.path("in_sync").asBoolean()).isTrue();
        JsonNode acme = subject(report, "acme");
        assertThat(acme.path("comparisons").get(0).path("ours").asText()).isEqualTo("3");
        assertThat(acme.path("comparisons").get(1).path("ours").asText()).isEqualTo("3000000.123456792012");
        JsonNode globex = subject(report, "globex");
        assertThat(globex.path("pending_events").asLong()).isEqualTo(1);
        assertThat(globex.path("comparisons").get(2).path("ours").asText()).isEqualTo("100");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("setups")
    void usage_openmeter_lost_is_missing_and_exits_3(JdbcTarget db, String dialect) throws Exception {
        openmeter.loseUsageOf(e -> e.path("id").asText().equals("a2"));
        deliver(db, dialect);

        Run table = reconcile(db, dialect);
        assertThat(table.code()).as(table.out() + table.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(table.out())
                .contains("1 missing")
                .contains("| acme | events | signed_ticket_count | 3 | 2 | -1 | missing |")
                .contains("| acme | network_usd_micros | network_fee_usd_micros |")
                .doesNotContain("| globex |");

        JsonNode report = JSON.readTree(reconcile(db, dialect, "--json").out());
        assertThat(report.path("in_sync").asBoolean()).isFalse();
        assertThat(subject(report, "acme").path("drift").asText()).isEqualTo("missing");
        assertThat(drift(subject(report, "acme"), "billable_usd_micros")).isEqualTo("missing");
        assertThat(subject(report, "globex").path("drift").asText()).isEqualTo("in-sync");
        // exact in v3 (decimal strings); v1 answers float64 sums, so within its precision
        assertThat(new BigDecimal(
                        report.path("drift_totals").path("network_usd_micros").asText()))
                .isCloseTo(new BigDecimal("2000000"), org.assertj.core.data.Offset.offset(new BigDecimal("0.000001")));
        if (dialect.equals("v3")) {
            assertThat(report.path("drift_totals").path("network_usd_micros").asText())
                    .isEqualTo("2000000");
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("setups")
    void missing_usage_is_queued_again_only_with_apply_and_on_self_hosted_only_when_it_dedupes(
            JdbcTarget db, String dialect) throws Exception {
        openmeter.loseUsageOf(e -> e.path("id").asText().equals("a2"));
        deliver(db, dialect);

        Run dry = reconcile(db, dialect, "--resend-missing");
        assertThat(dry.code()).as(dry.out() + dry.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(dry.out())
                .contains("## Resend missing usage (dry run: --apply queues them)")
                .contains("3 delivered event(s) of 1 subject(s) with missing usage would be queued")
                .contains("- acme: 3 of 3 delivered event(s)");
        JsonNode json = JSON.readTree(
                reconcile(db, dialect, "--resend-missing", "--json").out());
        assertThat(json.path("resend_missing").path("applied").asBoolean()).isFalse();
        assertThat(json.path("resend_missing")
                        .path("subjects")
                        .get(0)
                        .path("subject")
                        .asText())
                .isEqualTo("acme");
        assertThat(json.path("resend_missing")
                        .path("subjects")
                        .get(0)
                        .path("queued_again")
                        .asLong())
                .isEqualTo(3);
        assertThat(pending(db)).isEqualTo(1); // g3-pending only: a dry run queues nothing

        assertThat(reconcile(db, dialect, "--apply").code()).isEqualTo(ExitCodes.USAGE);
        if (dialect.equals("v1")) {
            // self-hosted OpenMeter deduplicates only when configured to: the operator must say so
            Run refused = reconcile(db, dialect, "--resend-missing", "--apply");
            assertThat(refused.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err()).contains("--openmeter-dedupes");
            assertThat(pending(db)).isEqualTo(1);
        }
        Run applied = dialect.equals("v1")
                ? reconcile(db, dialect, "--resend-missing", "--apply", "--openmeter-dedupes")
                : reconcile(db, dialect, "--resend-missing", "--apply");
        assertThat(applied.out()).contains("3 delivered event(s) of 1 subject(s) with missing usage queued");
        // acme's three events of the period (not the ones before or at its end, not globex's) wait for delivery
        assertThat(pending(db)).isEqualTo(4);
        try (Database d = Database.open(new DatabaseConfig(db.url(), db.user(), db.password(), 2))) {
            assertThat(new DeliveryQueue(d, "check", Duration.ofMinutes(1))
                            .claim(100, Instant.now().plusSeconds(3600)).stream()
                                    .map(DeliveryQueue.PendingEvent::eventId)
                                    .toList())
                    .containsExactlyInAnyOrder("a1", "a2", "a3", "g3-pending");
        }
    }

    static long pending(JdbcTarget db) throws Exception {
        try (Database d = Database.open(new DatabaseConfig(db.url(), db.user(), db.password(), 2))) {
            return new io.livepeer.clearinghouse.ledger.outbox.OutboxQueries(d).pendingCount();
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("setups")
    void usage_openmeter_counted_twice_is_double_counted_and_exits_3(JdbcTarget db, String dialect) throws Exception {
        openmeter.doubleUsageOf(e -> e.path("subject").asText().equals("globex"));
        deliver(db, dialect);

        Run table = reconcile(db, dialect);
        assertThat(table.code()).as(table.out() + table.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(table.out())
                .contains("1 double-counted")
                .contains("| globex | events | signed_ticket_count | 2 | 4 | +2 | double-counted (×2), 1 pending |")
                .doesNotContain("| acme |");

        JsonNode globex = subject(JSON.readTree(reconcile(db, dialect, "--json").out()), "globex");
        assertThat(globex.path("drift").asText()).isEqualTo("double-counted");
        assertThat(globex.path("comparisons").get(1).path("factor").asInt()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("setups")
    void usage_we_never_delivered_is_extra_and_exits_3(JdbcTarget db, String dialect) throws Exception {
        deliver(db, dialect);
        // someone else ingested usage for a customer, and one more event for acme
        client(dialect)
                .ingest(batch(List.of(
                        entry("x1", "initech", FROM.plusSeconds(10), "500", "500"),
                        entry("x2", "acme", FROM.plusSeconds(10), "1", "1"))));

        Run json = reconcile(db, dialect, "--json");
        assertThat(json.code()).as(json.out() + json.err()).isEqualTo(ExitCodes.CONFLICT);
        JsonNode report = JSON.readTree(json.out());
        JsonNode initech = subject(report, "initech");
        assertThat(initech.path("drift").asText()).isEqualTo("extra");
        assertThat(initech.path("comparisons").get(1).path("ours").asText()).isEqualTo("0");
        assertThat(initech.path("comparisons").get(1).path("openmeter").asText())
                .isEqualTo("500");
        // one event more than 3 is not a multiple: extra, not double-counted
        assertThat(subject(report, "acme").path("drift").asText()).isEqualTo("extra");
        assertThat(report.path("summary").path("extra").asInt()).isEqualTo(2);

        Run table = reconcile(db, dialect);
        assertThat(table.out())
                .contains("| initech | billable_usd_micros | billable_usd_micros | 0 | 500 | +500 | extra |");
    }

    @Test
    void a_tolerance_absorbs_small_amount_differences_but_never_a_count() throws Exception {
        JdbcTarget db = TestDatabases.h2();
        deliver(db, "v1");
        client("v1").ingest(batch(List.of(entry("x1", "globex", FROM.plusSeconds(10), "0", "0"))));
        // one event more, no money: counts are exact whatever the tolerance
        Run count = reconcile(db, "v1", "--tolerance", "1000000");
        assertThat(count.code()).as(count.out()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(count.out()).contains("| globex | events | signed_ticket_count | 2 | 3 | +1 | extra");

        // a stand-in whose sums differ by 2 micros for globex (g2 counted as 60 instead of 58), counts equal
        assertThat(openmeter.contractViolations()).isEmpty();
        openmeter.close();
        openmeter = FakeOpenMeter.start().defineReferenceMeters();
        client("v1")
                .ingest(batch(List.of(
                        entry("a1", "acme", FROM, "1000000.123456789012", "1150000.141975307364"),
                        entry("a2", "acme", FROM.plusSeconds(3600).plusMillis(250), "2000000", "2300000"),
                        entry("a3", "acme", TO.minusMillis(1), "0.000000003", "0.00000000345"),
                        entry("g1", "globex", FROM.plusSeconds(60), "42", "42"),
                        entry("g2", "globex", FROM.plusSeconds(120), "60", "60"))));
        Run strict = reconcile(db, "v1", "--tolerance", "1");
        assertThat(strict.code()).as(strict.out()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(strict.out())
                .contains("| globex | network_usd_micros | network_fee_usd_micros | 100 | 102 | +2 | extra");
        assertThat(reconcile(db, "v1", "--tolerance", "2").code()).isZero();
        assertThat(reconcile(db, "v1", "--tolerance", "0,2%").code()).isZero();
        assertThat(reconcile(db, "v1", "--tolerance", "1.9%").code()).isEqualTo(ExitCodes.CONFLICT);
    }

    @Test
    void bad_periods_and_tolerances_are_usage_errors() {
        JdbcTarget db = TestDatabases.h2();
        for (String[] args : List.of(
                new String[] {"--to", FROM.toString()},
                new String[] {"--to", TO.plusMillis(500).toString()},
                new String[] {"--to", TO.toString(), "--tolerance", "lots"},
                new String[] {"--to", TO.toString(), "--tolerance", "-1"},
                new String[] {"--to", TO.toString(), "--count-meter", "Signed-Tickets"},
                new String[] {"--to", "yesterday"})) {
            List<String> line = new ArrayList<>(List.of(
                    "reconcile", "openmeter", "--from", FROM.toString(), "--jdbc-url", db.url(), "--url", url("v1")));
            line.addAll(List.of(args));
            Run run = run(line.toArray(String[]::new));
            assertThat(run.code()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(ExitCodes.USAGE);
        }
        assertThat(run("reconcile").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("reconcile", "openmeter", "--to", TO.toString()).code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void a_meter_openmeter_does_not_have_is_a_remote_error_in_both_dialects() throws Exception {
        JdbcTarget db = TestDatabases.h2();
        deliver(db, "v1");
        for (String dialect : List.of("v1", "v3")) {
            Run run = reconcile(db, dialect, "--count-meter", "no_such_meter");
            assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.REMOTE_ERROR);
            assertThat(run.err()).contains("no_such_meter").contains("404");
        }
    }

    @ParameterizedTest(name = "H2, {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"v1", "v3"})
    void per_hour_windows_locate_a_partial_duplicate_and_name_its_id(String dialect) throws Exception {
        // the windows' SQL on PostgreSQL: DeliveredUsageTest and OpenMeterReconciliationTest
        JdbcTarget db = TestDatabases.h2();
        deliver(db, dialect);
        // a2 (01:00:00.250) sent once more: OpenMeter stores it twice (no deduplication)
        client(dialect)
                .ingest(batch(
                        List.of(entry("a2", "acme", FROM.plusSeconds(3600).plusMillis(250), "2000000", "2300000"))));
        Instant one = FROM.plusSeconds(3600);

        Run table = reconcile(db, dialect, "--window-size", "HOUR");
        assertThat(table.code()).as(table.out() + table.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(table.out())
                .contains("windows of one hour (UTC)")
                .contains("1 double-counted")
                .contains("| acme | " + one + " | events | signed_ticket_count | 1 | 2 | +1 | double-counted (×2) |")
                .contains("| acme | total | events | signed_ticket_count | 3 | 4 | +1 | double-counted |")
                .contains("double-counted: a2 ×2")
                .doesNotContain("| acme | " + FROM + " |")
                .doesNotContain("| globex |");

        JsonNode report = JSON.readTree(
                reconcile(db, dialect, "--window-size", "hour", "--json").out());
        assertThat(report.path("window_size").asText()).isEqualTo("HOUR");
        JsonNode acme = subject(report, "acme");
        assertThat(acme.path("drift").asText()).isEqualTo("double-counted");
        JsonNode drifting = null;
        for (JsonNode w : acme.path("windows")) {
            if (!w.path("drift").asText().equals("in-sync")) {
                assertThat(drifting).as("one drifting window").isNull();
                drifting = w;
            }
        }
        assertThat(drifting.path("from").asText()).isEqualTo(one.toString());
        assertThat(drifting.path("listing")
                        .path("double_counted")
                        .get(0)
                        .path("id")
                        .asText())
                .isEqualTo("a2");

        // the totals alone (no listing) cannot tell it from extra over the whole period
        Run heuristic = reconcile(db, dialect, "--listing-windows", "0");
        assertThat(heuristic.out()).contains("| acme | events | signed_ticket_count | 3 | 4 | +1 | extra |");
        Run listed = reconcile(db, dialect);
        assertThat(listed.out()).contains("| acme | events | signed_ticket_count | 3 | 4 | +1 | double-counted |");
    }

    @Test
    void a_bad_window_size_or_listing_limit_is_a_usage_error() {
        JdbcTarget db = TestDatabases.h2();
        for (String[] args : List.of(
                new String[] {"--window-size", "MONTH"},
                new String[] {"--window-size", "fortnight"},
                new String[] {"--listing-pages", "0"},
                new String[] {"--listing-windows", "-1"})) {
            Run run = reconcile(db, "v1", args);
            assertThat(run.code()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains(args[0]);
        }
    }
}
