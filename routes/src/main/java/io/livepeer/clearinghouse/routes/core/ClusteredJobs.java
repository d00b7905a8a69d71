package io.livepeer.clearinghouse.routes.core;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.QuartzConnections;
import io.livepeer.clearinghouse.ledger.SqlDialect;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.component.quartz.QuartzConstants;
import org.apache.camel.component.quartz.QuartzHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobListener;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.DBConnectionManager;

/**
 * Periodic jobs that must run on <b>one</b> instance per fire across all instances (health polling, autosleep,
 * payouts): camel-quartz on one Quartz scheduler per application.
 *
 * <ul>
 *   <li><b>PostgreSQL</b>: Quartz's clustered JDBC job store ({@code JobStoreTX}, {@code PostgreSQLDelegate}) on the
 *       application's own connection pool, tables {@code QRTZ_*} from migration V12. Every instance uses the same
 *       scheduler name ({@code camel.main.name}); the triggers live in the database, and Quartz's row lock hands
 *       each fire to exactly one instance. An instance that dies is detected after the check-in interval and its
 *       in-flight fire is not repeated (jobs must tolerate a missed fire: they run again next period).</li>
 *   <li><b>H2</b> (the one-instance default): Quartz's in-memory store.</li>
 * </ul>
 * Jobs are {@code stateful} (Quartz's {@code @DisallowConcurrentExecution}: a fire never overlaps the previous one,
 * cluster-wide) and {@code deleteJob=false} (stopping one instance does not remove the trigger the others share).
 * A failed run is logged and counted by Camel and tried again on the next fire. A fire missed by more than the
 * misfire threshold (the scheduler was down or every thread busy) is skipped, not caught up ({@link #MISFIRE_SKIP}).
 */
public final class ClusteredJobs {

    /** The component name routes use: {@code clustered-quartz:<group>/<name>}. */
    public static final String COMPONENT = "clustered-quartz";

    /**
     * What a fire that is late by more than the misfire threshold (60 s) does: Quartz's
     * {@code MISFIRE_INSTRUCTION_RESCHEDULE_NEXT_WITH_REMAINING_COUNT}, i.e. missed fires are skipped and the job runs
     * again at its next regular time, rather than running back to back to catch up (a loaded machine or a paused
     * cluster would otherwise poll orchestrators or run payout cycles in a burst).
     */
    static final int MISFIRE_SKIP = org.quartz.SimpleTrigger.MISFIRE_INSTRUCTION_RESCHEDULE_NEXT_WITH_REMAINING_COUNT;

    private ClusteredJobs() {}

    /**
     * {@link #install(CamelContext, Database, String, Duration)} with the application's settings: the scheduler name
     * {@code camel.main.name} (the context's name when unset) and {@code clearinghouse.quartz.checkin-interval}, the
     * one check-in setting of every clustered job.
     *
     * @throws IllegalArgumentException when the check-in interval is missing or not positive
     */
    public static QuartzComponent install(CamelContext context, Database database) throws Exception {
        SettingsReader r = SettingsReader.of(context);
        Duration checkin = r.duration("clearinghouse.quartz.checkin-interval");
        if (checkin.isZero() || checkin.isNegative()) {
            throw new IllegalArgumentException(
                    "clearinghouse.quartz.checkin-interval must be positive, got " + checkin);
        }
        return install(context, database, r.optional("camel.main.name").orElse(context.getName()), checkin);
    }

    /**
     * Creates the scheduler for this application (once per Camel context) and registers it as the component
     * {@link #COMPONENT}. Call before adding clustered routes; later calls return the same component.
     *
     * @param context        the Camel context
     * @param database       the database (its dialect picks the job store)
     * @param schedulerName  the scheduler name, the same on every instance ({@code camel.main.name})
     * @param checkinInterval how often an instance checks in to the cluster (PostgreSQL only)
     */
    public static synchronized QuartzComponent install(
            CamelContext context, Database database, String schedulerName, Duration checkinInterval) throws Exception {
        if (context.hasComponent(COMPONENT) instanceof QuartzComponent existing) {
            return existing;
        }
        Properties p = new Properties();
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, schedulerName);
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID, StdSchedulerFactory.AUTO_GENERATE_INSTANCE_ID);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", "4");
        p.setProperty("org.quartz.threadPool.threadNamePrefix", schedulerName + "-quartz");
        if (database.dialect() == SqlDialect.POSTGRESQL) {
            // a JVM-wide registry of connection providers: a unique name per application instance (tests run
            // several in one JVM)
            String dataSource = "clearinghouse-" + UUID.randomUUID();
            DBConnectionManager.getInstance().addConnectionProvider(dataSource, new QuartzConnections(database));
            p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
            p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
            p.setProperty("org.quartz.jobStore.dataSource", dataSource);
            p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
            p.setProperty("org.quartz.jobStore.isClustered", "true");
            p.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkinInterval.toMillis()));
            p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        } else {
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        }
        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        scheduler.getListenerManager().addJobListener(new RunOnThisContext(context));
        // Quartz keeps schedulers in a JVM-wide repository by name; every instance shares the name, so this one
        // is taken out again (the component holds it): a second application in the same JVM gets its own
        SchedulerRepository.getInstance().remove(schedulerName);
        QuartzComponent component = new QuartzComponent(context);
        component.setScheduler(scheduler);
        component.setPrefixJobNameWithEndpointId(false);
        context.addComponent(COMPONENT, component);
        // the component does not stop a scheduler it was given; stopped before the database (added earlier)
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() throws SchedulerException {
                        scheduler.shutdown(true);
                    }
                },
                true,
                true);
        return component;
    }

    /**
     * Makes every fire run on this instance's Camel context. camel-quartz stores, with each job, the name of the
     * context that created it (its JMX management name) and looks that name up when the job fires; in one JVM with
     * several instances (tests, or a name clash in JMX) the management names differ ({@code clearinghouse},
     * {@code clearinghouse-1}), so a fire handed to another instance than the creator failed with "No CamelContext
     * could be found". Every instance runs the same routes, so the fire is pointed at the local context.
     */
    private static final class RunOnThisContext implements JobListener {

        private final CamelContext context;

        RunOnThisContext(CamelContext context) {
            this.context = context;
        }

        @Override
        public String getName() {
            return "clearinghouse-run-on-this-context";
        }

        @Override
        public void jobToBeExecuted(JobExecutionContext fire) {
            fire.getMergedJobDataMap()
                    .put(QuartzConstants.QUARTZ_CAMEL_CONTEXT_NAME, QuartzHelper.getQuartzContextName(context));
        }

        @Override
        public void jobExecutionVetoed(JobExecutionContext fire) {}

        @Override
        public void jobWasExecuted(JobExecutionContext fire, JobExecutionException failure) {}
    }

    /**
     * A route running {@code job} every {@code period} on one instance of the cluster: route id {@code routeId},
     * Quartz job {@code clearinghouse/<routeId>}, step {@code <routeId>-run}; the job's result becomes the body.
     * Requires {@link #install} first.
     */
    public static RouteBuilder route(String routeId, Duration period, Callable<?> job) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from(uri(routeId, period))
                        .routeId(routeId)
                        .process(exchange -> exchange.getMessage().setBody(job.call()))
                        .id(routeId + "-run");
            }
        };
    }

    /**
     * The endpoint URI of a clustered job: {@code clustered-quartz:clearinghouse/<name>} repeating every
     * {@code period}, stateful, never deleted on stop. For routes that need the exchange (Quartz headers such as
     * {@code scheduledFireTime}).
     */
    public static String uri(String name, Duration period) {
        return COMPONENT + ":clearinghouse/" + name + "?trigger.repeatInterval=" + period.toMillis()
                + "&trigger.repeatCount=-1&trigger.misfireInstruction=" + MISFIRE_SKIP
                + "&stateful=true&deleteJob=false";
    }
}
