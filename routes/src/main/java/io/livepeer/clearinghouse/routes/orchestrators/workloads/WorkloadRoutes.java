package io.livepeer.clearinghouse.routes.orchestrators.workloads;

import io.livepeer.clearinghouse.ledger.earnings.TimeWorkload;
import io.livepeer.clearinghouse.ledger.earnings.Workloads;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.TimeWorkloadRequest;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.WorkloadPage;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.WorkloadView;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditMetrics;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import org.apache.camel.Exchange;

/**
 * Time workloads (livepeer-ops {@code POST /api/workloads/time}, {@code GET /api/workloads}): the admin records a
 * workload's duration; {@code verified} and {@code paid} ones credit {@code duration_ms × rate / 60000} ETH in whole
 * wei (rounded down) with {@code reason=workload_time}. A repeated {@code workload_id} with the same content answers
 * the first result (200), with other content 409.
 */
public final class WorkloadRoutes extends ApiRouteBuilder {

    private final Workloads workloads;
    private final OrchestratorStore registry;
    private final BigDecimal rate;
    private final CreditMetrics metrics;

    public WorkloadRoutes(
            ApiAuth auth, Workloads workloads, OrchestratorStore registry, BigDecimal rate, CreditMetrics metrics) {
        super(auth);
        this.workloads = workloads;
        this.registry = registry;
        this.rate = rate;
        this.metrics = metrics;
    }

    @Override
    public void configure() {
        rest("/api/workloads")
                .description("Workloads credited by time (admin writes, viewer reads)")
                .post("/time")
                .id("api-workload-time")
                .description("Record a time workload and credit it when verified or paid; the same workload_id"
                        + " with the same content returns the first result")
                .type(TimeWorkloadRequest.class)
                .outType(WorkloadView.class)
                .responseMessage(response(201, "Recorded", WorkloadView.class))
                .responseMessage(response(200, "Recorded before with the same content", WorkloadView.class))
                .responseMessage(problem(404, "no such orchestrator"))
                .responseMessage(problem(409, "the workload_id was recorded with other content"))
                .to(direct("api-workload-time"))
                .get()
                .id("api-workloads")
                .description("Workloads, newest first")
                .param(query("orchestrator_id", "string", "only this orchestrator's"))
                .param(query("status", "string", "pending, verified, paid or rejected"))
                .param(query("since", "string", "created at or after: RFC 3339 time or YYYY-MM-DD (UTC)"))
                .param(query("until", "string", "created before"))
                .param(limit())
                .param(cursor())
                .outType(WorkloadPage.class)
                .to(direct("api-workloads"));

        api("api-workload-time", Role.ADMIN).process(this::record);
        api("api-workloads", Role.VIEWER).process(this::list);
    }

    private void record(Exchange exchange) throws SQLException {
        TimeWorkloadRequest b = Bodies.valid(exchange, TimeWorkloadRequest.class);
        TimeWorkload w = new TimeWorkload(
                        b.workloadId(),
                        b.orchestratorId(),
                        b.durationMs(),
                        b.planId(),
                        b.runId(),
                        b.artifactHash(),
                        b.artifactUri(),
                        b.notes(),
                        b.status())
                .validated();
        registry.require(w.orchestratorId());
        Workloads.Recorded r = workloads.recordTime(w, rate);
        if (r.created() && r.workload().credited()) {
            metrics.credited("workload_time", r.workload().amountWei());
        }
        ApiSupport.respond(exchange, r.created() ? 201 : 200, WorkloadView.of(r.workload()));
    }

    private void list(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        Long cursor = ApiSupport.cursor(exchange);
        long offset = cursor == null ? 0 : cursor;
        String status = ApiSupport.query(exchange, "status");
        if (status != null && !TimeWorkload.STATUSES.contains(status.toLowerCase(Locale.ROOT))) {
            throw new ApiSupport.BadRequest("status", "status must be one of pending, verified, paid, rejected");
        }
        List<Workloads.Workload> rows = workloads.list(
                ApiSupport.query(exchange, "orchestrator_id"),
                status == null ? null : status.toLowerCase(Locale.ROOT),
                ApiSupport.instant(exchange, "since", null),
                ApiSupport.instant(exchange, "until", null),
                (int) Math.min(offset, Integer.MAX_VALUE),
                limit);
        ApiSupport.respond(
                exchange,
                200,
                new WorkloadPage(
                        rows.stream().map(WorkloadView::of).toList(),
                        ApiSupport.nextOffsetCursor(rows, limit, offset)));
    }
}
