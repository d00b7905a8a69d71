package io.livepeer.clearinghouse.routes.orchestrators.sessions;

import io.livepeer.clearinghouse.ledger.earnings.SessionBilling;
import io.livepeer.clearinghouse.ledger.earnings.SessionEvent;
import io.livepeer.clearinghouse.ledger.earnings.WeiAccrual;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.orchestrators.QueryFlags;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.SegmentView;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.SessionEventRequest;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.SessionEventResult;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.SessionPage;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditApiModel.SessionView;
import io.livepeer.clearinghouse.routes.orchestrators.credit.ReporterAuth;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * Session billing API (livepeer-ops {@code POST /api/sessions/events}, {@code GET /api/sessions}; reference
 * {@code docs/orchestrators.md}, "Session and workload credit"). Events need the session reporter token
 * ({@link ReporterAuth}); reads the viewer or admin token.
 */
public final class SessionRoutes extends ApiRouteBuilder {

    /** Route id of {@code POST /api/sessions/events}. */
    public static final String EVENTS_ROUTE = "api-session-events";

    private final ReporterAuth reporters;
    private final SessionCrediting crediting;
    private final SessionBilling billing;
    private final Duration idle;
    private final Clock clock;

    public SessionRoutes(
            ApiAuth auth,
            ReporterAuth reporters,
            SessionCrediting crediting,
            SessionBilling billing,
            Duration idle,
            Clock clock) {
        super(auth);
        this.reporters = reporters;
        this.crediting = crediting;
        this.billing = billing;
        this.idle = idle;
        this.clock = clock;
    }

    @Override
    public void configure() {
        rest("/api/sessions")
                .description("Session billing (orchestrator earnings by session time)")
                .post("/events")
                .id(EVENTS_ROUTE)
                .description("A session start, heartbeat or end from an edge: attributed, segmented in 40-minute"
                        + " segments (the remainder on end) and credited when the orchestrator is eligible and awake;"
                        + " needs the session reporter token (X-Session-Token or Bearer)")
                .type(SessionEventRequest.class)
                .outType(SessionEventResult.class)
                .responseMessage(response(200, "The event was stored", SessionEventResult.class))
                .to(direct(EVENTS_ROUTE))
                .get()
                .id("api-sessions")
                .description("Sessions, most recently seen first")
                .param(query("orchestrator_id", "string", "only this orchestrator's sessions"))
                .param(query("active_only", "boolean", "only sessions not ended and seen within the idle timeout"))
                .param(limit())
                .param(cursor())
                .outType(SessionPage.class)
                .to(direct("api-sessions"))
                .get("/{id}")
                .id("api-session")
                .description("One session with the segments of its current generation")
                .outType(SessionView.class)
                .responseMessage(problem(404, "no such session"))
                .to(direct("api-session"));

        api(EVENTS_ROUTE, reporters::check).process(this::event);
        api("api-sessions", Role.VIEWER).process(this::list);
        api("api-session", Role.VIEWER).process(this::one);
    }

    private void event(Exchange exchange) throws SQLException {
        SessionEventRequest b = Bodies.valid(exchange, SessionEventRequest.class);
        SessionBilling.Applied applied = crediting.handle(new SessionEvent(
                b.sessionId(),
                b.orchestratorId(),
                b.upstreamAddr(),
                b.upstreamPort(),
                b.edgeId(),
                b.streamerId(),
                b.event()));
        BigInteger wei = BigInteger.ZERO;
        String notCredited = null;
        List<SegmentView> closed = new ArrayList<>();
        for (SessionBilling.SegmentRow r : applied.segments()) {
            wei = wei.add(r.creditedWei());
            notCredited = notCredited == null ? r.notCredited() : notCredited;
            closed.add(SegmentView.of(r));
        }
        ApiSupport.respond(
                exchange,
                200,
                new SessionEventResult(
                        true,
                        wei.toString(),
                        WeiAccrual.eth(wei),
                        notCredited,
                        closed,
                        view(applied.session(), false)));
    }

    private void list(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        Long cursor = ApiSupport.cursor(exchange);
        long offset = cursor == null ? 0 : cursor;
        boolean activeOnly = QueryFlags.bool(exchange, "active_only");
        List<SessionBilling.Session> rows = billing.list(
                ApiSupport.query(exchange, "orchestrator_id"),
                activeOnly,
                idle,
                (int) Math.min(offset, Integer.MAX_VALUE),
                limit);
        List<SessionView> views = new ArrayList<>();
        for (SessionBilling.Session s : rows) {
            views.add(view(s, false));
        }
        ApiSupport.respond(exchange, 200, new SessionPage(views, ApiSupport.nextOffsetCursor(rows, limit, offset)));
    }

    private void one(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        SessionBilling.Session s = billing.find(id)
                .orElseThrow(() -> new io.livepeer.clearinghouse.routes.http.ApiException(
                        404, "Not Found", "id", "no session " + id, java.util.Map.of()));
        ApiSupport.respond(exchange, 200, view(s, true));
    }

    private SessionView view(SessionBilling.Session s, boolean withSegments) throws SQLException {
        List<SegmentView> segments = null;
        if (withSegments) {
            segments = billing.segments(s.sessionId()).stream()
                    .map(SegmentView::of)
                    .toList();
        }
        return SessionView.of(s, s.activeAt(clock.instant(), idle), segments);
    }
}
