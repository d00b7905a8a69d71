package io.livepeer.clearinghouse.routes.orchestrators.leases;

import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.earnings.ActivityLeases;
import io.livepeer.clearinghouse.ledger.earnings.Attribution;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.orchestrators.QueryFlags;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.LeaseHeartbeatRequest;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.LeasePage;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.LeaseRequest;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.LeaseView;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * Activity leases (livepeer-ops {@code /api/activity/leases}, {@code payments/activity.py}): an admin-created lease
 * keeps an orchestrator {@code in_use} (autosleep leaves it alone) until it expires or is revoked. Length:
 * {@code max(30, min(lease_seconds or 900, 3600))} seconds; a request outside 30..86400 is refused (400).
 */
public final class LeaseRoutes extends ApiRouteBuilder {

    private final ActivityLeases leases;
    private final OrchestratorStore registry;
    private final Clock clock;

    public LeaseRoutes(ApiAuth auth, ActivityLeases leases, OrchestratorStore registry, Clock clock) {
        super(auth);
        this.leases = leases;
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public void configure() {
        rest("/api/activity/leases")
                .description("Activity leases: keep an orchestrator in use (admin writes, viewer reads)")
                .post()
                .id("api-lease-create")
                .description("Create (or renew, for a known lease_id) a lease")
                .type(LeaseRequest.class)
                .outType(LeaseView.class)
                .responseMessage(response(201, "Created", LeaseView.class))
                .responseMessage(problem(404, "no such orchestrator"))
                .to(direct("api-lease-create"))
                .post("/{id}/heartbeat")
                .id("api-lease-heartbeat")
                .description("Extend an active lease")
                .type(LeaseHeartbeatRequest.class)
                .outType(LeaseView.class)
                .responseMessage(problem(404, "no active lease with this id (unknown, expired or revoked)"))
                .to(direct("api-lease-heartbeat"))
                .delete("/{id}")
                .id("api-lease-revoke")
                .description("Revoke a lease")
                .outType(LeaseView.class)
                .responseMessage(problem(404, "no such lease"))
                .to(direct("api-lease-revoke"))
                .get()
                .id("api-leases")
                .description("Leases, newest first")
                .param(query("orchestrator_id", "string", "only this orchestrator's"))
                .param(query("active_only", "boolean", "only unrevoked, unexpired leases"))
                .param(limit())
                .param(cursor())
                .outType(LeasePage.class)
                .to(direct("api-leases"));

        api("api-lease-create", Role.ADMIN).process(this::create);
        api("api-lease-heartbeat", Role.ADMIN).process(this::heartbeat);
        api("api-lease-revoke", Role.ADMIN).process(this::revoke);
        api("api-leases", Role.VIEWER).process(this::list);
    }

    private void create(Exchange exchange) throws SQLException {
        LeaseRequest b = Bodies.valid(exchange, LeaseRequest.class);
        String orch = b.orchestratorId() == null ? null : b.orchestratorId().trim();
        if (orch == null || orch.isEmpty()) {
            throw new ApiSupport.BadRequest("orchestrator_id", "orchestrator_id is required");
        }
        String addr = b.upstreamAddr() == null || b.upstreamAddr().isBlank()
                ? null
                : b.upstreamAddr().trim();
        if (addr != null && !Attribution.isIpLiteral(addr)) {
            throw new ApiSupport.BadRequest(
                    "upstream_addr", "upstream_addr must be an IP address (IPv4 or IPv6 literal)");
        }
        String kind =
                b.kind() == null || b.kind().isBlank() ? "workload" : b.kind().trim();
        if (kind.length() > 32) {
            throw new ApiSupport.BadRequest("kind", "kind is longer than 32 characters");
        }
        String metadata = b.metadata() == null ? null : Metadata.toJson(b.metadata());
        if (metadata != null && metadata.length() > 4000) {
            throw new ApiSupport.BadRequest("metadata", "metadata is longer than 4000 characters as JSON");
        }
        registry.require(orch);
        ActivityLeases.Lease lease = leases.create(b.leaseId(), orch, addr, kind, b.leaseSeconds(), metadata, null);
        ApiSupport.respond(exchange, 201, LeaseView.of(lease, clock.instant()));
    }

    private void heartbeat(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        LeaseHeartbeatRequest b = Bodies.optional(exchange, LeaseHeartbeatRequest.class);
        ActivityLeases.Lease lease = leases.heartbeat(
                id,
                b == null || b.orchestratorId() == null || b.orchestratorId().isBlank()
                        ? null
                        : b.orchestratorId().trim(),
                b == null ? null : b.leaseSeconds(),
                null);
        ApiSupport.respond(exchange, 200, LeaseView.of(lease, clock.instant()));
    }

    private void revoke(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        ApiSupport.respond(exchange, 200, LeaseView.of(leases.revoke(id), clock.instant()));
    }

    private void list(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        Long cursor = ApiSupport.cursor(exchange);
        long offset = cursor == null ? 0 : cursor;
        Instant now = clock.instant();
        List<ActivityLeases.Lease> rows = leases.list(
                ApiSupport.query(exchange, "orchestrator_id"),
                QueryFlags.bool(exchange, "active_only"),
                (int) Math.min(offset, Integer.MAX_VALUE),
                limit);
        ApiSupport.respond(
                exchange,
                200,
                new LeasePage(
                        rows.stream().map(l -> LeaseView.of(l, now)).toList(),
                        ApiSupport.nextOffsetCursor(rows, limit, offset)));
    }
}
