package io.livepeer.clearinghouse.routes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.quartz.SimpleTrigger;
import org.quartz.TriggerKey;

class ClusteredJobsTest {

    record Fire(String instance, Date scheduledAt) {}

    /** One application instance: its own Camel context and pool, the shared scheduler name. */
    static CamelContext instance(JdbcTarget target, String label, List<Fire> fires, List<Database> open)
            throws Exception {
        Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 4));
        open.add(db);
        CamelContext context = new DefaultCamelContext();
        context.getCamelContextExtension().setName("clearinghouse");
        ClusteredJobs.install(context, db, "clearinghouse", Duration.ofSeconds(1));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(ClusteredJobs.uri("clustered-test-job", Duration.ofMillis(250)))
                        .routeId("clustered-test-job")
                        .process(e ->
                                fires.add(new Fire(label, e.getMessage().getHeader("scheduledFireTime", Date.class))));
            }
        });
        return context;
    }

    @Test
    void two_instances_on_one_postgresql_run_each_fire_on_exactly_one_instance() throws Exception {
        JdbcTarget target = TestDatabases.postgres();
        List<Fire> fires = new CopyOnWriteArrayList<>();
        List<Database> open = new ArrayList<>();
        CamelContext a = instance(target, "a", fires, open);
        CamelContext b = instance(target, "b", fires, open);
        long instances;
        try {
            a.start();
            b.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> fires.size() >= 8);
            instances = open.get(0)
                    .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM qrtz_scheduler_state")
                            .mapTo(Long.class)
                            .one());
        } finally {
            b.stop();
            a.stop();
            open.forEach(Database::close);
        }
        assertThat(instances).as("both schedulers joined one cluster").isEqualTo(2);
        Map<Date, Long> perFire =
                fires.stream().collect(Collectors.groupingBy(Fire::scheduledAt, Collectors.counting()));
        assertThat(perFire.values()).as("instances per scheduled fire").containsOnly(1L);
        assertThat(fires.stream().map(Fire::scheduledAt).distinct().count()).isEqualTo(fires.size());
        assertThat(fires.stream().collect(Collectors.groupingBy(Fire::instance, Collectors.counting())))
                .isNotEmpty();
        // a fire handed to an instance that cannot run it (e.g. it looks the job's Camel context up by another
        // instance's name) is lost: the scheduled times must follow each other without a hole
        List<Long> times =
                fires.stream().map(f -> f.scheduledAt().getTime()).sorted().toList();
        for (int i = 1; i < times.size(); i++) {
            assertThat(times.get(i) - times.get(i - 1))
                    .as("fire %d follows fire %d by one period (no fire lost)", i, i - 1)
                    .isEqualTo(250L);
        }
    }

    @Test
    void when_the_instance_that_created_a_job_stops_another_instance_runs_it() throws Exception {
        JdbcTarget target = TestDatabases.postgres();
        List<Fire> fires = new CopyOnWriteArrayList<>();
        List<Database> open = new ArrayList<>();
        CamelContext a = instance(target, "a", fires, open);
        CamelContext b = instance(target, "b", fires, open);
        try {
            a.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> !fires.isEmpty());
            b.start();
            a.stop();
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            fires.stream().filter(f -> f.instance().equals("b")).count() >= 3);
        } finally {
            b.stop();
            a.stop();
            open.forEach(Database::close);
        }
    }

    @Test
    void on_h2_the_job_runs_from_memory() throws Exception {
        List<Fire> fires = new CopyOnWriteArrayList<>();
        List<Database> open = new ArrayList<>();
        JdbcTarget target = TestDatabases.h2();
        CamelContext a = instance(target, "a", fires, open);
        long stored;
        int misfireInstruction;
        try {
            a.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> fires.size() >= 2);
            misfireInstruction = a.getComponent(ClusteredJobs.COMPONENT, QuartzComponent.class)
                    .getScheduler()
                    .getTrigger(TriggerKey.triggerKey("clustered-test-job", "clearinghouse"))
                    .getMisfireInstruction();
            stored = open.get(0)
                    .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM qrtz_triggers")
                            .mapTo(Long.class)
                            .one());
        } finally {
            a.stop();
            open.forEach(Database::close);
        }
        assertThat(stored).as("no trigger in the JDBC tables").isZero();
        assertThat(misfireInstruction)
                .as("a late fire is skipped, not caught up back to back")
                .isEqualTo(SimpleTrigger.MISFIRE_INSTRUCTION_RESCHEDULE_NEXT_WITH_REMAINING_COUNT);
        assertThat(fires).extracting(Fire::instance).containsOnly("a");
    }
}
