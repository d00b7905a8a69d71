package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.routes.core.ClusteredJobs;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsConfiguration;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditConfiguration;
import io.livepeer.clearinghouse.routes.payouts.PayoutsConfiguration;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.util.List;
import java.util.Map;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;

/**
 * Every job that acts on the outside world (health polling, autosleep, power meter, payouts) is a clustered Quartz
 * job of the running application, so on PostgreSQL each fires on one instance per period: the component's guarantee
 * is proven with two instances in {@code ClusteredJobsTest}, and end to end for health polling
 * ({@code OrchestratorHealthFlowTest}) and payouts ({@code PayoutCycleTest}).
 */
class ClusteredJobWiringTest extends PipelineTestSupport {

    static final List<String> OUTSIDE_WORLD_JOBS = List.of(
            OrchestratorsConfiguration.HEALTH_ROUTE_ID,
            CreditConfiguration.AUTOSLEEP_ROUTE,
            CreditConfiguration.POWER_METER_ROUTE,
            PayoutsConfiguration.CYCLE_ROUTE_ID);

    @Test
    void every_job_that_acts_on_the_outside_world_runs_on_the_clustered_quartz_scheduler() throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        ClearinghouseApp app = start(
                stage,
                null,
                Map.of(
                        "clearinghouse.orchestrators.credit.autosleep-enabled", "true",
                        "clearinghouse.orchestrators.credit.autosleep-dry-run", "true",
                        "clearinghouse.orchestrators.credit.power-meter-enabled", "true"));
        for (String id : OUTSIDE_WORLD_JOBS) {
            Route route = app.context().getRoute(id);
            assertThat(route).as("route %s", id).isNotNull();
            assertThat(route.getEndpoint().getEndpointUri())
                    .as("the consumer of %s", id)
                    .startsWith(ClusteredJobs.COMPONENT + ":");
        }
    }
}
