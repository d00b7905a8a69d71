package io.livepeer.clearinghouse.routes.orchestrators.credit;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.earnings.ActivityLeases;
import io.livepeer.clearinghouse.ledger.earnings.Autosleep;
import io.livepeer.clearinghouse.ledger.earnings.EarningsCredit;
import io.livepeer.clearinghouse.ledger.earnings.PowerMeter;
import io.livepeer.clearinghouse.ledger.earnings.SessionBilling;
import io.livepeer.clearinghouse.ledger.earnings.Workloads;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.ClusteredJobs;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.orchestrators.autosleep.AutosleepJob;
import io.livepeer.clearinghouse.routes.orchestrators.autosleep.PowerMeterJob;
import io.livepeer.clearinghouse.routes.orchestrators.leases.LeaseRoutes;
import io.livepeer.clearinghouse.routes.orchestrators.sessions.SessionCrediting;
import io.livepeer.clearinghouse.routes.orchestrators.sessions.SessionRoutes;
import io.livepeer.clearinghouse.routes.orchestrators.workloads.WorkloadRoutes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crediting half of the {@code orchestrators} flow (runs after the registry's configuration, which binds the
 * {@link OrchestratorStore}): binds the registry's activity hook ({@link CreditActivity}), {@link CreditSettings}, the ledger stores ({@link SessionBilling},
 * {@link Workloads}, {@link ActivityLeases}, {@link PowerMeter}, {@link Autosleep}), {@link CreditMetrics}, the API
 * ({@link SessionRoutes}, {@link WorkloadRoutes}, {@link LeaseRoutes}) and, when enabled, the clustered quartz jobs
 * {@value #AUTOSLEEP_ROUTE} and {@value #POWER_METER_ROUTE} (one instance acts per period).
 */
public final class CreditConfiguration implements CamelConfiguration {

    /** Route id of the autosleep job. */
    public static final String AUTOSLEEP_ROUTE = "orchestrators-autosleep";
    /** Route id of the power meter job. */
    public static final String POWER_METER_ROUTE = "orchestrators-power-meter";

    private static final Logger LOG = LoggerFactory.getLogger(CreditConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        CreditSettings settings = Beans.bind(context, CreditSettings.from(SettingsReader.of(context)));
        LOG.info("Orchestrator crediting: {}", settings);
        Database database = Beans.require(context, Database.class);
        Clock clock = Beans.require(context, Clock.class);
        ApiAuth auth = Beans.require(context, ApiAuth.class);
        OrchestratorStore registry = Beans.require(context, OrchestratorStore.class);
        CreditMetrics metrics =
                Beans.bind(context, new CreditMetrics(Beans.require(context, PrometheusMeterRegistry.class)));
        EarningsCredit credit = Registry.credit(registry);
        ActivityLeases leases = Beans.bind(context, new ActivityLeases(database, clock, settings.leases()));
        SessionBilling billing = Beans.bind(context, new SessionBilling(database, clock, credit, settings.leases()));
        Workloads workloads = Beans.bind(context, new Workloads(database, clock, credit));
        PowerMeter meter = Beans.bind(context, new PowerMeter(database, clock, credit));
        Autosleep autosleep = Beans.bind(context, new Autosleep(database, clock));
        Beans.bind(context, new CreditActivity(billing, leases, autosleep, settings.sessionIdle()));
        PowerStates gate = new PowerStates(
                new PowerClient(settings.powerPort(), half(settings.powerTimeout()), settings.powerTimeout()),
                clock,
                settings.powerCache());
        PowerClient jobs = new PowerClient(
                settings.powerPort(),
                settings.autosleepTimeout().multipliedBy(3).dividedBy(5),
                settings.autosleepTimeout());
        SessionCrediting crediting =
                Beans.bind(context, new SessionCrediting(registry, billing, gate, meter, settings, metrics, clock));
        context.addRoutes(new SessionRoutes(
                auth,
                new ReporterAuth(settings.reporterToken(), auth),
                crediting,
                billing,
                settings.sessionIdle(),
                clock));
        context.addRoutes(new WorkloadRoutes(auth, workloads, registry, settings.workloadRate(), metrics));
        context.addRoutes(new LeaseRoutes(auth, leases, registry, clock));
        if (settings.autosleep() || settings.powerMeter()) {
            ClusteredJobs.install(context, database);
        }
        if (settings.autosleep()) {
            AutosleepJob job =
                    Beans.bind(context, new AutosleepJob(registry, autosleep, jobs, settings, metrics, clock));
            context.addRoutes(ClusteredJobs.route(AUTOSLEEP_ROUTE, settings.autosleepPoll(), job::run));
        }
        if (settings.powerMeter()) {
            PowerMeterJob job = Beans.bind(context, new PowerMeterJob(registry, meter, jobs, settings, metrics, clock));
            context.addRoutes(ClusteredJobs.route(POWER_METER_ROUTE, settings.powerPoll(), job::run));
        }
    }

    private static Duration half(Duration d) {
        return d.dividedBy(2);
    }
}
