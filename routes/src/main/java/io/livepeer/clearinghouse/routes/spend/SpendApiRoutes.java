package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Scope;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiException;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.AuditList;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.AuditView;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.CustomerSpendView;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.HoldList;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.HoldView;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.OverdraftRequest;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.PauseList;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.PauseRequest;
import io.livepeer.clearinghouse.routes.spend.SpendApiModel.PauseView;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;

/**
 * The spend control API (reference: {@code docs/api.md}, {@code docs/spend-control.md}):
 * <ul>
 *   <li>{@code POST /api/admin/pause} / {@code POST /api/admin/resume} (admin): the kill switch for everyone, one
 *       client or one customer, with a reason; stored in the database, so every instance applies it within
 *       {@code clearinghouse.spend.refresh}; audited</li>
 *   <li>{@code GET /api/admin/pauses}, {@code GET /api/admin/spend-audit} (viewer)</li>
 *   <li>{@code PUT /api/admin/spend/overdraft} (admin): a customer's own overdraft limit, audited</li>
 *   <li>{@code GET /api/spend/customer?customer_key=}, {@code GET /api/spend/holds?customer_key=&status=&limit=}
 *       (viewer)</li>
 * </ul>
 */
public final class SpendApiRoutes extends ApiRouteBuilder {

    private final SpendControl spend;
    private final SpendStore store;
    private final SpendMetrics metrics;

    public SpendApiRoutes(SpendControl spend, SpendMetrics metrics, ApiAuth auth) {
        super(auth);
        this.spend = spend;
        this.store = spend.store();
        this.metrics = metrics;
    }

    @Override
    public void configure() {
        rest("/api/admin")
                .description("Spend control: the kill switch and overdraft limits")
                .post("/pause")
                .id("api-spend-pause")
                .description("Stop allowing new signing for everyone, one client or one customer (403"
                        + " signing_paused at /authorize on every instance within a second); audited")
                .type(PauseRequest.class)
                .outType(PauseView.class)
                .responseMessage(problem(400, "a field is missing or invalid (named in the problem)"))
                .responseMessage(problem(415, "the body was sent as a form"))
                .to(direct("api-spend-pause"))
                .post("/resume")
                .id("api-spend-resume")
                .description("Lift the active pause of a scope; audited")
                .type(PauseRequest.class)
                .outType(PauseView.class)
                .responseMessage(problem(404, "no active pause for that scope and target"))
                .to(direct("api-spend-resume"))
                .get("/pauses")
                .id("api-spend-pauses")
                .description("Active pauses, oldest first")
                .outType(PauseList.class)
                .to(direct("api-spend-pauses"))
                .get("/spend-audit")
                .id("api-spend-audit")
                .description("Audit trail of pauses, resumes and overdraft limits, newest first")
                .param(limit())
                .outType(AuditList.class)
                .to(direct("api-spend-audit"))
                .put("/spend/overdraft")
                .id("api-spend-overdraft")
                .description("Set a customer's own overdraft limit (USD micros), or remove it (null) to use the"
                        + " default; audited")
                .type(OverdraftRequest.class)
                .outType(CustomerSpendView.class)
                .to(direct("api-spend-overdraft"));
        rest("/api/spend")
                .description("Spend control: balances as /authorize sees them, and holds (viewer or admin token)")
                .get("/customer")
                .id("api-spend-customer")
                .description("A customer's balance, open holds, overdraft limit and available amount")
                .param(query("customer_key", "string", "the customer key").required(true))
                .outType(CustomerSpendView.class)
                .to(direct("api-spend-customer"))
                .get("/holds")
                .id("api-spend-holds")
                .description("Holds, newest first")
                .param(query("customer_key", "string", "only this customer's"))
                .param(query("status", "string", "only this status").allowableValues("open", "settled", "expired"))
                .param(limit())
                .outType(HoldList.class)
                .to(direct("api-spend-holds"));

        api("api-spend-pause", Role.ADMIN).process(this::pause);
        api("api-spend-resume", Role.ADMIN).process(this::resume);
        api("api-spend-pauses", Role.VIEWER).process(this::pauses);
        api("api-spend-audit", Role.VIEWER).process(this::audit);
        api("api-spend-overdraft", Role.ADMIN).process(this::overdraft);
        api("api-spend-customer", Role.VIEWER).process(this::customer);
        api("api-spend-holds", Role.VIEWER).process(this::holds);
    }

    private void pause(Exchange exchange) throws SQLException {
        PauseRequest body = Bodies.valid(exchange, PauseRequest.class);
        Scope scope = scope(body);
        if (body.reason() == null || body.reason().isBlank()) {
            throw new ApiSupport.BadRequest("reason", "reason is required: it is shown to the gateway and audited");
        }
        SpendStore.Pause pause =
                store.pause(scope, target(body, scope), body.reason().trim(), actor(body));
        spend.refreshPauses();
        metrics.pauses(store.activePauses().size());
        ApiSupport.respond(exchange, 200, view(pause));
    }

    private void resume(Exchange exchange) throws SQLException {
        PauseRequest body = Bodies.valid(exchange, PauseRequest.class);
        Scope scope = scope(body);
        Optional<SpendStore.Pause> lifted = store.resume(scope, target(body, scope), body.reason(), actor(body));
        spend.refreshPauses();
        metrics.pauses(store.activePauses().size());
        if (lifted.isEmpty()) {
            throw new ApiException(
                    404,
                    "Not Found",
                    "target",
                    "no active pause for " + scope.name().toLowerCase(Locale.ROOT) + " "
                            + (body.target() == null ? "" : body.target()),
                    Map.of());
        }
        ApiSupport.respond(exchange, 200, view(lifted.get()));
    }

    private void pauses(Exchange exchange) throws SQLException {
        var active = store.activePauses();
        metrics.pauses(active.size());
        ApiSupport.respond(
                exchange,
                200,
                new PauseList(active.stream().map(SpendApiRoutes::view).toList()));
    }

    private void audit(Exchange exchange) throws SQLException {
        ApiSupport.respond(
                exchange,
                200,
                new AuditList(store.audit(ApiSupport.limit(exchange)).stream()
                        .map(a -> new AuditView(
                                a.id(), a.at(), a.actor(), a.action(), a.scope(), a.target(), a.reason(), a.detail()))
                        .toList()));
    }

    private void overdraft(Exchange exchange) throws SQLException {
        OverdraftRequest body = Bodies.valid(exchange, OverdraftRequest.class);
        BigDecimal limit = body.overdraftUsdMicros() == null ? null : new BigDecimal(body.overdraftUsdMicros());
        String actor = body.actor() == null || body.actor().isBlank()
                ? "api"
                : body.actor().trim();
        store.setOverdraft(body.customerKey().trim(), limit, actor, body.reason());
        ApiSupport.respond(exchange, 200, customerView(body.customerKey().trim()));
    }

    private void customer(Exchange exchange) throws SQLException {
        String key = ApiSupport.query(exchange, "customer_key");
        if (key == null || key.isBlank()) {
            throw new ApiSupport.BadRequest("customer_key", "customer_key is required");
        }
        ApiSupport.respond(exchange, 200, customerView(key.trim()));
    }

    private CustomerSpendView customerView(String key) throws SQLException {
        SpendStore.CustomerSpend c = store.customer(key);
        BigDecimal overdraft = c.overdraft().orElse(spend.policy().defaultOverdraft());
        return new CustomerSpendView(
                key,
                plain(c.balance()),
                plain(c.held()),
                plain(overdraft),
                c.overdraft().isPresent(),
                plain(c.balance().subtract(c.held()).add(overdraft)));
    }

    private void holds(Exchange exchange) throws SQLException {
        SpendStore.HoldStatus status = null;
        String s = ApiSupport.query(exchange, "status");
        if (s != null && !s.isBlank()) {
            try {
                status = SpendStore.HoldStatus.valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ApiSupport.BadRequest("status", "status must be open, settled or expired");
            }
        }
        String customer = ApiSupport.query(exchange, "customer_key");
        ApiSupport.respond(
                exchange,
                200,
                new HoldList(store.holds(customer, status, ApiSupport.limit(exchange)).stream()
                        .map(h -> new HoldView(
                                h.id(),
                                h.customerKey(),
                                h.sessionId(),
                                h.sequenceNumber(),
                                h.paymentType(),
                                plain(h.amount()),
                                plain(h.remaining()),
                                h.windowSeconds(),
                                h.status().name().toLowerCase(Locale.ROOT),
                                h.createdAt(),
                                h.expiresAt(),
                                h.closedAt(),
                                h.closedBy()))
                        .toList()));
    }

    private static Scope scope(PauseRequest body) {
        return Scope.valueOf(body.scope().toUpperCase(Locale.ROOT));
    }

    private static String target(PauseRequest body, Scope scope) {
        if (scope == Scope.ALL) {
            if (body.target() != null && !body.target().isBlank()) {
                throw new ApiSupport.BadRequest("target", "scope all takes no target");
            }
            return "";
        }
        if (body.target() == null || body.target().isBlank()) {
            throw new ApiSupport.BadRequest(
                    "target",
                    "target is required for scope " + body.scope() + " (the "
                            + (scope == Scope.CLIENT ? "client id" : "customer key") + ")");
        }
        return body.target().trim();
    }

    private static String actor(PauseRequest body) {
        return body.actor() == null || body.actor().isBlank()
                ? "api"
                : body.actor().trim();
    }

    static PauseView view(SpendStore.Pause p) {
        return new PauseView(
                p.id(),
                p.scope().name().toLowerCase(Locale.ROOT),
                p.target(),
                p.reason(),
                p.pausedBy(),
                p.pausedAt(),
                p.resumedAt(),
                p.resumedBy());
    }

    private static String plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
