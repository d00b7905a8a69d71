package io.livepeer.clearinghouse.cli.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.bootstrap.OpenMeterApi;
import io.livepeer.clearinghouse.bootstrap.PlanSpec;
import io.livepeer.clearinghouse.bootstrap.Remote;
import io.livepeer.clearinghouse.bootstrap.V1Api;
import io.livepeer.clearinghouse.bootstrap.V3Api;
import io.livepeer.clearinghouse.cli.ExitCodes;
import io.livepeer.clearinghouse.cli.Launcher;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code ./clearinghouse bootstrap …} end to end against a stateful OpenMeter stand-in, in both dialects; every request and response
 * is checked against the OpenAPI specs when {@code ../shared/contracts} is present.
 */
class BootstrapCliTest {

    @TempDir
    Path dir;

    FakeProductCatalog fake;

    record Run(int exit, String out, String err) {}

    @AfterEach
    void stop() {
        if (fake != null) {
            assertThat(fake.contractViolations())
                    .as("requests and responses against the OpenAPI spec")
                    .isEmpty();
            fake.close();
        }
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] command = new String[args.length + 1];
        command[0] = "bootstrap";
        System.arraycopy(args, 0, command, 1, args.length);
        int exit = Launcher.execute(new PrintWriter(out), new PrintWriter(err), command);
        return new Run(exit, out.toString(), err.toString());
    }

    Run remote(String command, Path catalog, String... more) throws IOException {
        Path token = dir.resolve("token");
        if (!Files.exists(token)) {
            Files.writeString(token, "om_test_token_123\n");
        }
        List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--catalog", catalog.toString(), "--url", fake.url(), "--token-file", token.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    static String reference() throws IOException {
        try (InputStream in = Catalog.class.getClassLoader().getResourceAsStream(Catalog.DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    Path catalog(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void the_first_apply_creates_everything_and_the_second_writes_nothing(Dialect dialect) throws IOException {
        fake = FakeProductCatalog.start(dialect);
        Path catalog = catalog("catalog.yaml", reference());

        Run first = remote("apply", catalog);
        assertThat(first.exit()).as(first.out() + first.err()).isEqualTo(ExitCodes.OK);
        assertThat(first.out()).contains("Applied: 8 created, 0 updated, 0 pruned, 0 unchanged, 0 conflicts");
        for (String meter : List.of(
                "network_fee_usd_micros", "billable_usd_micros", "signed_ticket_count", "fee_wei", "billable_secs")) {
            assertThat(fake.meter(meter)).as(meter).isPresent();
        }
        assertThat(fake.meter("signed_ticket_count").orElseThrow().valueProperty)
                .isNull();
        assertThat(fake.meter("fee_wei").orElseThrow().dimensions).containsKey("manifest_id");
        assertThat(fake.feature("billable_spend")).isPresent();
        assertThat(fake.planVersions("clearinghouse_default_ppu"))
                .singleElement()
                .satisfies(p -> assertThat(p.status()).isEqualTo("active"));
        long writes = fake.writes();
        assertThat(writes).isEqualTo(5 + 2 + 2); // meters, features, plan create + publish

        Run second = remote("apply", catalog);
        assertThat(second.exit()).isEqualTo(ExitCodes.OK);
        assertThat(second.out()).contains("0 write requests made").contains("8 unchanged");
        assertThat(fake.writes()).as("a synced remote gets no write at all").isEqualTo(writes);

        Run plan = remote("plan", catalog);
        assertThat(plan.exit()).isEqualTo(ExitCodes.OK);
        assertThat(plan.out()).contains("OpenMeter matches the catalog.");
        assertThat(fake.writes()).isEqualTo(writes);
        assertThat(first.out() + first.err() + second.out() + plan.out()).doesNotContain("om_test_token_123");
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void plan_shows_a_changed_rate_card_and_apply_publishes_the_next_version(Dialect dialect) throws IOException {
        fake = FakeProductCatalog.start(dialect);
        assertThat(remote("apply", catalog("catalog.yaml", reference())).exit()).isEqualTo(ExitCodes.OK);
        long writes = fake.writes();

        Path dearer = catalog("dearer.yaml", reference().replace("amount: \"0.000001\"", "amount: \"0.0000012\""));
        Run plan = remote("plan", dearer);
        assertThat(plan.exit()).as(plan.out() + plan.err()).isEqualTo(ExitCodes.CHANGES_PENDING);
        assertThat(plan.out())
                .contains("~ update     plan     clearinghouse_default_ppu")
                .contains("new version v2 replacing active v1")
                .contains("rate card default/billable_spend price: 'unit 0.000001' → 'unit 0.0000012'");
        assertThat(fake.writes()).as("plan changes nothing").isEqualTo(writes);

        Run apply = remote("apply", dearer);
        assertThat(apply.exit()).as(apply.out() + apply.err()).isEqualTo(ExitCodes.OK);
        List<FakeProductCatalog.PlanRec> versions = fake.planVersions("clearinghouse_default_ppu");
        assertThat(versions).extracting(FakeProductCatalog.PlanRec::status).containsExactly("archived", "active");
        assertThat(versions.get(1).phases.get(0).cards().get(0).price().amount())
                .isEqualTo("0.0000012");
        assertThat(remote("plan", dearer).exit()).isEqualTo(ExitCodes.OK);
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void an_existing_draft_is_updated_and_published_never_a_second_draft(Dialect dialect) throws IOException {
        fake = FakeProductCatalog.start(dialect);
        Path catalog = catalog("catalog.yaml", reference());
        assertThat(remote("apply", catalog).exit()).isEqualTo(ExitCodes.OK);
        // someone started a draft v2 in the UI and left it
        Path other = catalog("other.yaml", reference().replace("name: Billable usage\n", "name: Usage (draft)\n"));
        OpenMeterClient http = new OpenMeterClient(
                OpenMeterUrl.resolve(fake.url(), "auto"),
                java.util.Optional.empty(),
                java.time.Duration.ofSeconds(5),
                Retries.defaults(),
                line -> {});
        OpenMeterApi api = dialect == Dialect.V1 ? new V1Api(http) : new V3Api(http);
        api.meters();
        api.features();
        Remote.Plan active = api.plans().get(0);
        Catalog draftCatalog = Catalog.parse(Files.newInputStream(other));
        api.nextDraft(active, PlanSpec.of(draftCatalog.plans().get(0)));

        Path dearer = catalog("dearer.yaml", reference().replace("amount: \"0.000001\"", "amount: \"0.000002\""));
        Run plan = remote("plan", dearer);
        assertThat(plan.out()).contains("update draft v2 and publish it");
        Run apply = remote("apply", dearer);
        assertThat(apply.exit()).as(apply.out() + apply.err()).isEqualTo(ExitCodes.OK);
        assertThat(fake.planVersions("clearinghouse_default_ppu"))
                .extracting(p -> p.version + ":" + p.status())
                .containsExactly("1:archived", "2:active");
        assertThat(fake.planVersions("clearinghouse_default_ppu")
                        .get(1)
                        .phases
                        .get(0)
                        .cards()
                        .get(0)
                        .name())
                .isEqualTo("Billable usage");
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void an_immutable_meter_change_is_reported_as_a_conflict_and_nothing_is_deleted(Dialect dialect)
            throws IOException {
        fake = FakeProductCatalog.start(dialect);
        assertThat(remote("apply", catalog("catalog.yaml", reference())).exit()).isEqualTo(ExitCodes.OK);
        String changed = reference().replace("""
                  - key: fee_wei
                    name: Network fee (wei)
                    description: Ticket fees in wei, by manifest.
                    event_type: create_signed_ticket
                    aggregation: SUM
                """, """
                  - key: fee_wei
                    name: Network fee (wei), max
                    description: Ticket fees in wei, by manifest.
                    event_type: create_signed_ticket
                    aggregation: MAX
                """).replace("name: Billable seconds", "name: Seconds billed");
        Path catalog = catalog("changed.yaml", changed);
        String feeWeiId = fake.meter("fee_wei").orElseThrow().id;

        Run plan = remote("plan", catalog);
        assertThat(plan.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(plan.out())
                .contains("! conflict   meter    fee_wei")
                .contains("aggregation: 'SUM' → 'MAX'")
                .contains("~ update     meter    billable_secs");

        Run apply = remote("apply", catalog);
        assertThat(apply.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(fake.meter("fee_wei").orElseThrow().id).isEqualTo(feeWeiId);
        assertThat(fake.meter("fee_wei").orElseThrow().aggregation).isEqualTo("SUM");
        assertThat(fake.meter("billable_secs").orElseThrow().name)
                .as("other changes are applied")
                .isEqualTo("Seconds billed");
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void prune_removes_only_objects_the_bootstrap_manages(Dialect dialect) throws IOException {
        fake = FakeProductCatalog.start(dialect);
        // made by hand (no marker): never pruned
        FakeProductCatalog.MeterRec manual = fake.seedMeter("manual_tokens", "SUM", "$.tokens", Map.of());
        fake.seedFeature("manual_feature", manual, Map.of());
        String extra = reference().replace("features:\n", """
                  - key: legacy_calls
                    name: Legacy calls
                    event_type: legacy_call
                    aggregation: COUNT
                features:
                  - key: legacy_spend
                    name: Legacy spend
                    meter: legacy_calls
                """);
        assertThat(remote("apply", catalog("with-legacy.yaml", extra)).exit()).isEqualTo(ExitCodes.OK);
        assertThat(fake.meter("legacy_calls")).isPresent();
        Path catalog = catalog("catalog.yaml", reference());

        Run plan = remote("plan", catalog);
        assertThat(plan.exit())
                .as("pruning is opt-in: nothing pending without --prune")
                .isEqualTo(ExitCodes.OK);
        assertThat(plan.out())
                .contains("(prune?)   feature  legacy_spend")
                .contains("(prune?)   meter    legacy_calls")
                .doesNotContain("manual_tokens")
                .doesNotContain("manual_feature");
        assertThat(remote("plan", catalog, "--prune").exit()).isEqualTo(ExitCodes.CHANGES_PENDING);

        Run apply = remote("apply", catalog, "--prune");
        assertThat(apply.exit()).as(apply.out() + apply.err()).isEqualTo(ExitCodes.OK);
        assertThat(fake.feature("legacy_spend")).isEmpty();
        assertThat(fake.meter("legacy_calls")).isEmpty();
        assertThat(fake.meter("manual_tokens")).isPresent();
        assertThat(fake.feature("manual_feature")).isPresent();
        assertThat(fake.meter("billable_usd_micros")).isPresent();
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void customers_are_created_and_subscribed_once(Dialect dialect) throws IOException {
        fake = FakeProductCatalog.start(dialect);
        Path catalog = catalog("catalog.yaml", reference());
        assertThat(remote("apply", catalog).exit()).isEqualTo(ExitCodes.OK);
        Path csv = catalog("customers.csv", """
                key,name,email
                acme:alice,Alice,alice@example.com
                acme:bob,,
                acme:alice,Alice again,
                """);
        Run sync = remote("customers sync", catalog, csv.toString());
        assertThat(sync.exit()).as(sync.out() + sync.err()).isEqualTo(ExitCodes.OK);
        assertThat(sync.out()).contains("Customers: 2 provisioned, 0 already in sync");
        assertThat(fake.customers())
                .extracting(c -> c.key + "/" + c.name)
                .containsExactly("acme:alice/Alice", "acme:bob/acme:bob");
        assertThat(fake.customers().get(0).subjects).containsExactly("acme:alice");
        assertThat(fake.subscriptions()).extracting(s -> s.plan().key).containsOnly("clearinghouse_default_ppu");
        long writes = fake.writes();

        Path json = catalog("customers.json", "[\"acme:alice\", {\"key\": \"acme:carol\", \"name\": \"Carol\"}]");
        Run again = remote("customers sync", catalog, json.toString());
        assertThat(again.exit()).isEqualTo(ExitCodes.OK);
        assertThat(again.out())
                .contains("in sync                  acme:alice")
                .contains("Customers: 1 provisioned, 1 already in sync");
        assertThat(fake.writes()).isEqualTo(writes + 2); // carol: customer + subscription
    }

    @Test
    void the_sample_customers_file_syncs() throws IOException {
        fake = FakeProductCatalog.start(Dialect.V1);
        Path catalog = catalog("catalog.yaml", reference());
        assertThat(remote("apply", catalog).exit()).isEqualTo(ExitCodes.OK);
        Run sync = remote(
                "customers sync", catalog, Path.of("../samples/customers.csv").toString());
        assertThat(sync.exit()).as(sync.out() + sync.err()).isEqualTo(ExitCodes.OK);
        assertThat(fake.customers()).extracting(c -> c.key).containsExactly("demo-client:demo-user", "acme:alice");
    }

    @Test
    void customers_sync_reads_the_customer_accounts_of_the_ledger() throws Exception {
        fake = FakeProductCatalog.start(Dialect.V3);
        Path catalog = catalog("catalog.yaml", reference());
        assertThat(remote("apply", catalog).exit()).isEqualTo(ExitCodes.OK);
        String url = TestDatabases.h2().url();
        try (Database db = Database.open(new io.livepeer.clearinghouse.ledger.DatabaseConfig(url, "sa", "", 2))) {
            Ledger ledger = new Ledger(db, Clock.systemUTC());
            for (String customer : List.of("daydream:user-1", "daydream:user-2")) {
                ledger.post(new NewTransfer(
                        "grant:" + customer,
                        AccountKeys.GRANTS,
                        AccountKeys.customer(customer),
                        new BigDecimal("1000000"),
                        TransferKind.GRANT,
                        null,
                        null,
                        "{}"));
            }
        }
        Run sync = remote("customers sync", catalog, "--jdbc-url", url);
        assertThat(sync.exit()).as(sync.out() + sync.err()).isEqualTo(ExitCodes.OK);
        assertThat(sync.out()).contains("2 customers from the ledger");
        assertThat(fake.customers()).extracting(c -> c.key).containsExactly("daydream:user-1", "daydream:user-2");
        assertThat(fake.subscriptions()).hasSize(2);
    }

    @Test
    void a_refused_token_is_explained_and_never_printed() throws IOException {
        fake = FakeProductCatalog.start(Dialect.V3).requireToken("the-right-token");
        Path catalog = catalog("catalog.yaml", reference());
        Run refused = remote("plan", catalog);
        assertThat(refused.exit()).isEqualTo(ExitCodes.REMOTE_ERROR);
        assertThat(refused.err())
                .contains("list meters: HTTP 403 Forbidden")
                .contains("Metering & Billing Admin role")
                .doesNotContain("om_test_token_123");
        Path none = dir.resolve("empty-token");
        Files.writeString(none, " \n");
        Run empty = run("plan", "--catalog", catalog.toString(), "--url", fake.url(), "--token-file", none.toString());
        assertThat(empty.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(empty.err()).contains("is empty");
    }

    @Test
    void a_refused_write_is_printed_with_the_servers_reason() throws IOException {
        fake = FakeProductCatalog.start(Dialect.V3);
        fake.seedMeter("billable_usd_micros", "AVG", "$.billable_usd_micros", Map.of()); // made by hand, wrongly
        Run apply = remote("apply", catalog("catalog.yaml", reference()));
        assertThat(apply.exit()).isEqualTo(ExitCodes.REMOTE_ERROR);
        assertThat(apply.out()).contains("create  feature  billable_spend");
        assertThat(apply.err())
                .contains("create feature billable_spend: HTTP 400 Bad Request: features need a SUM, "
                        + "COUNT, UNIQUE_COUNT or LATEST meter")
                .contains("- meter: features need a SUM");
    }

    @Test
    void transient_failures_are_retried_with_backoff() throws IOException {
        fake = FakeProductCatalog.start(Dialect.V1).failNext(2, 429);
        Run apply = remote("apply", catalog("catalog.yaml", reference()));
        assertThat(apply.exit()).as(apply.out() + apply.err()).isEqualTo(ExitCodes.OK);
        assertThat(apply.err())
                .contains("retrying list meters (attempt 2): HTTP 429")
                .contains("retrying list meters (attempt 3): HTTP 429");
        assertThat(fake.meter("fee_wei")).isPresent();

        fake.failNext(10, 503);
        Run down = remote("plan", catalog("catalog.yaml", reference()), "--retries", "1");
        assertThat(down.exit()).isEqualTo(ExitCodes.REMOTE_ERROR);
        assertThat(down.err()).contains("list meters: HTTP 503");
    }

    @Test
    void an_unreachable_server_is_a_clear_error() throws IOException {
        Path catalog = catalog("catalog.yaml", reference());
        Run run = run("plan", "--catalog", catalog.toString(), "--url", "http://127.0.0.1:1", "--retries", "0");
        assertThat(run.exit()).isEqualTo(ExitCodes.REMOTE_ERROR);
        assertThat(run.err())
                .contains("list meters: OpenMeter could not be reached")
                .contains("127.0.0.1:1");
    }

    @Test
    void validate_checks_the_catalog_offline() throws IOException {
        Run ok = run(
                "validate", "--catalog", catalog("catalog.yaml", reference()).toString());
        assertThat(ok.exit()).isEqualTo(ExitCodes.OK);
        assertThat(ok.out()).contains("is valid: 5 meters, 2 features, 1 plans, 2 markup rules");
        Path bad = catalog(
                "bad.yaml",
                reference()
                        .replace(
                                "- key: billable_spend\n            name: Billable usage",
                                "- key: billable\n            name: Billable usage")
                        .replace("percent: 15", "percent: 1500"));
        Run invalid = run("validate", "--catalog", bad.toString());
        assertThat(invalid.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(invalid.err())
                .contains("has 2 problems")
                .contains("plans[0].phases[0].rate_cards[0].key: a rate card's key must equal its feature's key")
                .contains("markup_rules[1].percent");
        Run refusedRemote = run("apply", "--catalog", bad.toString(), "--url", "http://127.0.0.1:1");
        assertThat(refusedRemote.exit()).as("an invalid catalog is never sent").isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(run("plan", "--no-such-option").exit()).isEqualTo(ExitCodes.USAGE);
    }
}
