package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.earnings.ActivityLeases;
import io.livepeer.clearinghouse.ledger.earnings.Autosleep;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.orchestrators.autosleep.AutosleepJob;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditMetrics;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditSettings;
import io.livepeer.clearinghouse.routes.orchestrators.credit.PowerClient;
import io.livepeer.clearinghouse.testing.FakeOrchestratorHost;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Autosleep against stand-in orchestrator hosts (one loopback address each, all on the one {@code /power} port):
 * sleeps an idle awake host, leaves an in-use or asleep one alone, survives a host that hangs, records every
 * decision; and the clustered quartz job runs it on its own.
 */
class AutosleepTest extends PipelineTestSupport {

    static Registration orchestrator(String id, String address, String host) {
        return new Registration(id, address, null, null, null, host, null, null, null, null, null);
    }

    <T> T bean(ClearinghouseApp app, Class<T> type) {
        return app.context().getRegistry().findSingleByType(type);
    }

    @Test
    void sleeps_an_idle_awake_host_and_leaves_in_use_asleep_and_unreachable_ones_alone() throws Exception {
        FakeOrchestratorHost idle = FakeOrchestratorHost.start("127.0.0.2", 0);
        closeables.add(idle);
        int port = idle.port();
        FakeOrchestratorHost inUse = FakeOrchestratorHost.start("127.0.0.3", port);
        FakeOrchestratorHost asleep =
                FakeOrchestratorHost.start("127.0.0.4", port).powerState("asleep");
        FakeOrchestratorHost hanging =
                FakeOrchestratorHost.start("127.0.0.5", port).hang("/power");
        closeables.add(inUse);
        closeables.add(asleep);
        closeables.add(() -> hanging.heal("/power").close());
        MutableClock clock = new MutableClock(Instant.now());
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(
                stage, null, Map.of("clearinghouse.orchestrators.credit.power-port", String.valueOf(port)), clock);
        OrchestratorStore registry = bean(app, OrchestratorStore.class);
        registry.register(orchestrator("idle", "0x52908400098527886E0F7030069857D2E4169EE7", "127.0.0.2"), "t");
        registry.register(orchestrator("in-use", "0x8617E340B3D01FA5F11F306F4090FD50E238070D", "127.0.0.3"), "t");
        registry.register(orchestrator("asleep", "0xde709f2102306220921060314715629080e2fb77", "127.0.0.4"), "t");
        registry.register(orchestrator("hanging", "0x27b1fdb04752bbc536007a920d24acb045561c26", "127.0.0.5"), "t");
        bean(app, ActivityLeases.class).create(null, "in-use", null, "workload", 3600L, null, null);
        // idle: active 11 minutes ago through a lease that ended since
        ActivityLeases.Lease old =
                bean(app, ActivityLeases.class).create(null, "idle", null, "workload", 30L, null, null);
        bean(app, ActivityLeases.class).revoke(old.leaseId());
        clock.advance(Duration.ofMinutes(11));

        AutosleepJob job = new AutosleepJob(
                registry,
                bean(app, Autosleep.class),
                // generous for a loaded machine (a first request warms up the HTTP client); the hanging host costs it
                // once
                new PowerClient(port, Duration.ofSeconds(2), Duration.ofSeconds(3)),
                bean(app, CreditSettings.class),
                bean(app, CreditMetrics.class),
                clock);
        List<AutosleepJob.Outcome> outcomes = job.run();

        assertThat(outcomes)
                .extracting(o -> o.orchestratorId() + ":" + o.decision() + ":" + o.reason())
                .containsExactlyInAnyOrder(
                        "idle:slept:idle",
                        "in-use:skipped:in_use",
                        "asleep:skipped:not_awake",
                        "hanging:failed:power_unreachable");
        assertThat(idle.powerState()).isEqualTo("asleep");
        assertThat(idle.requests("POST", "/power"))
                .singleElement()
                .satisfies(r -> assertThat(r.body())
                        .contains("\"action\":\"sleep\"")
                        .contains("\"reason\":\"payments_autosleep\""));
        assertThat(inUse.requests())
                .as("an orchestrator in use is not even asked")
                .isEmpty();
        assertThat(asleep.requests("POST", "/power")).isEmpty();
        JsonNode shown = Json.mapper()
                .readTree(get(stage.httpPort(), "/api/orchestrators/idle").body());
        assertThat(shown.path("activity")
                        .path("autosleep")
                        .get(0)
                        .path("decision")
                        .asText())
                .isEqualTo("slept");
        assertThat(shown.path("activity").path("autosleep").get(0).path("host").asText())
                .isEqualTo("127.0.0.2");
        assertThat(bean(app, Autosleep.class).recent("hanging", 5))
                .singleElement()
                .satisfies(d -> assertThat(d.detail()).contains("GET /power"));

        // a recently active orchestrator is left alone until its idle time has passed
        clock.advance(Duration.ofMinutes(1));
        idle.powerState("awake");
        bean(app, ActivityLeases.class)
                .revoke(bean(app, ActivityLeases.class)
                        .create(null, "idle", null, "workload", 30L, null, null)
                        .leaseId());
        assertThat(job.run())
                .filteredOn(o -> o.orchestratorId().equals("idle"))
                .singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo("recently_active"));
        assertThat(idle.requests("POST", "/power")).hasSize(1);
    }

    @Test
    void the_clustered_job_runs_autosleep_on_its_own_and_dry_run_posts_nothing() throws Exception {
        FakeOrchestratorHost host = FakeOrchestratorHost.start();
        closeables.add(host);
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(
                stage,
                null,
                Map.of(
                        "clearinghouse.orchestrators.credit.power-port", String.valueOf(host.port()),
                        "clearinghouse.orchestrators.credit.autosleep-enabled", "true",
                        "clearinghouse.orchestrators.credit.autosleep-poll-seconds", "5",
                        "clearinghouse.orchestrators.credit.autosleep-dry-run", "true"));
        bean(app, OrchestratorStore.class)
                .register(orchestrator("o", "0x52908400098527886E0F7030069857D2E4169EE7", "127.0.0.1"), "t");
        eventually()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(bean(app, Autosleep.class).recent("o", 5))
                        .extracting(Autosleep.Decision::decision)
                        .contains("dry_run"));
        assertThat(host.requests("POST", "/power")).isEmpty();
        assertThat(host.powerState()).isEqualTo("awake");
        assertThat(get(stage.managementPort(), "/observe/metrics").body())
                .contains("clearinghouse_autosleep_decisions_total{decision=\"dry_run\",reason=\"idle\"")
                .contains("clearinghouse_autosleep_failures_total");
    }
}
