package io.livepeer.clearinghouse.routes.orchestrators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorHealthStore;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStats;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorTokens;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.processors.orchestrators.OrchestratorAddress;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiException;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorActivity.Activity;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.DenylistRequest;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.ForwarderHealthView;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.HealthSnapshotRequest;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.LastHealthView;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.Ok;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.OrchestratorList;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.OrchestratorView;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.RegisterRequest;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.SampleView;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.StatsView;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.TokenCreated;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.TokenList;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.TokenRequest;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.TokenView;
import io.livepeer.clearinghouse.routes.orchestrators.OrchestratorsApiModel.UpdateRequest;
import java.io.IOException;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/**
 * The orchestrators API (docs/orchestrators.md): registry writes, denylist, forwarder snapshots and orchestrator
 * tokens need the admin token; reads ({@code GET /api/orchestrators[/{id}[/stats]]}) the viewer or admin token;
 * {@code GET /api/orchestrators/me[/stats]} an orchestrator token ({@code Authorization: Bearer} or
 * {@code X-Orchestrator-Token}). Bad input is a 400 problem naming the field; unknown orchestrator 404; an address
 * bound to another id or a changed address 409; a snapshot {@code data} above the size limit 413.
 */
public final class OrchestratorsApiRoutes extends ApiRouteBuilder {

    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"orchestrator\"");
    private static final int SAMPLES_SHOWN = 20;

    private final OrchestratorStore store;
    private final OrchestratorHealthStore health;
    private final OrchestratorTokens tokens;
    private final OrchestratorStats stats;
    private final OrchestratorsSettings settings;
    private final Clock clock;

    public OrchestratorsApiRoutes(
            OrchestratorStore store,
            OrchestratorHealthStore health,
            OrchestratorTokens tokens,
            OrchestratorStats stats,
            OrchestratorsSettings settings,
            ApiAuth auth,
            Clock clock) {
        super(auth);
        this.store = store;
        this.health = health;
        this.tokens = tokens;
        this.stats = stats;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void configure() {
        rest("/api/orchestrators")
                .description("Orchestrators: registry, health and earnings")
                .get("/me")
                .id("api-orchestrators-me")
                .description("The calling orchestrator (orchestrator token)")
                .outType(OrchestratorView.class)
                .to(direct("api-orchestrators-me"))
                .get("/me/stats")
                .id("api-orchestrators-me-stats")
                .description("The calling orchestrator's earnings per UTC day (orchestrator token)")
                .param(query("days", "integer", "days up to today, 1 to " + OrchestratorStats.MAX_DAYS)
                        .defaultValue("30"))
                .outType(StatsView.class)
                .to(direct("api-orchestrators-me-stats"))
                .get()
                .id("api-orchestrators-list")
                .description("Every orchestrator with balance, eligibility, activity and last health")
                .outType(OrchestratorList.class)
                .to(direct("api-orchestrators-list"))
                .post()
                .id("api-orchestrators-register")
                .description("Register an orchestrator (again with the same address: update and count)")
                .type(RegisterRequest.class)
                .outType(OrchestratorView.class)
                .responseMessage(response(201, "Created", OrchestratorView.class))
                .responseMessage(problem(409, "the address is bound to another id, or the id has another address"))
                .to(direct("api-orchestrators-register"))
                .get("/{id}")
                .id("api-orchestrators-get")
                .description("One orchestrator with its recent health samples")
                .outType(OrchestratorView.class)
                .responseMessage(problem(404, "no such orchestrator"))
                .to(direct("api-orchestrators-get"))
                .patch("/{id}")
                .id("api-orchestrators-update")
                .description("Change an orchestrator's fields (not its address)")
                .type(UpdateRequest.class)
                .outType(OrchestratorView.class)
                .responseMessage(problem(404, "no such orchestrator"))
                .responseMessage(problem(409, "a different address"))
                .to(direct("api-orchestrators-update"))
                .post("/{id}/denylist")
                .id("api-orchestrators-denylist")
                .description("Denylist an orchestrator (no credit) or lift it")
                .type(DenylistRequest.class)
                .outType(OrchestratorView.class)
                .responseMessage(problem(404, "no such orchestrator"))
                .to(direct("api-orchestrators-denylist"))
                .post("/{id}/health")
                .id("api-orchestrators-health")
                .description("Store a forwarder health snapshot: while fresh it replaces polling")
                .type(HealthSnapshotRequest.class)
                .outType(Ok.class)
                .responseMessage(problem(404, "no such orchestrator"))
                .responseMessage(problem(413, "data is larger than the limit"))
                .to(direct("api-orchestrators-health"))
                .get("/{id}/stats")
                .id("api-orchestrators-stats")
                .description("An orchestrator's earnings per UTC day")
                .param(query("days", "integer", "days up to today, 1 to " + OrchestratorStats.MAX_DAYS)
                        .defaultValue("30"))
                .outType(StatsView.class)
                .responseMessage(problem(404, "no such orchestrator"))
                .to(direct("api-orchestrators-stats"))
                .post("/{id}/tokens")
                .id("api-orchestrators-token-create")
                .description("Create an orchestrator API token (shown once)")
                .type(TokenRequest.class)
                .outType(TokenCreated.class)
                .responseMessage(response(201, "Created", TokenCreated.class))
                .responseMessage(problem(404, "no such orchestrator"))
                .to(direct("api-orchestrators-token-create"))
                .get("/{id}/tokens")
                .id("api-orchestrators-token-list")
                .description("An orchestrator's tokens (never their values)")
                .outType(TokenList.class)
                .to(direct("api-orchestrators-token-list"))
                .delete("/{id}/tokens/{tokenId}")
                .id("api-orchestrators-token-revoke")
                .description("Revoke an orchestrator token")
                .outType(TokenView.class)
                .responseMessage(problem(404, "no such token"))
                .to(direct("api-orchestrators-token-revoke"));

        api("api-orchestrators-me", Role.ORCHESTRATOR).process(e -> {
            String id = orchestratorToken(e);
            ApiSupport.respond(e, 200, view(store.require(id), false));
        });
        api("api-orchestrators-me-stats", Role.ORCHESTRATOR).process(e -> stats(e, orchestratorToken(e)));
        api("api-orchestrators-list", Role.VIEWER).process(this::list);
        api("api-orchestrators-register", Role.ADMIN).process(this::register);
        api("api-orchestrators-get", Role.VIEWER)
                .process(e -> ApiSupport.respond(e, 200, view(store.require(id(e)), true)));
        api("api-orchestrators-update", Role.ADMIN).process(this::update);
        api("api-orchestrators-denylist", Role.ADMIN).process(e -> {
            String id = id(e);
            DenylistRequest body = Bodies.valid(e, DenylistRequest.class);
            Orchestrator o = store.setDenylisted(id, body.denylisted(), body.reason());
            ApiSupport.respond(e, 200, view(o, false));
        });
        api("api-orchestrators-health", Role.ADMIN).process(this::snapshot);
        api("api-orchestrators-stats", Role.VIEWER)
                .process(e -> stats(e, store.require(id(e)).orchestratorId()));
        api("api-orchestrators-token-create", Role.ADMIN).process(e -> {
            String id = id(e);
            TokenRequest body = Bodies.optional(e, TokenRequest.class);
            OrchestratorTokens.Created created = tokens.create(
                    id,
                    body == null ? null : body.label(),
                    body == null || body.ttlSeconds() == null ? null : Duration.ofSeconds(body.ttlSeconds()));
            ApiSupport.respond(
                    e,
                    201,
                    new TokenCreated(
                            created.info().tokenId(),
                            id,
                            created.token(),
                            created.info().expiresAt()));
        });
        api("api-orchestrators-token-list", Role.ADMIN).process(e -> {
            String id = store.require(id(e)).orchestratorId();
            ApiSupport.respond(
                    e,
                    200,
                    new TokenList(tokens.list(id).stream()
                            .map(OrchestratorsApiRoutes::token)
                            .toList()));
        });
        api("api-orchestrators-token-revoke", Role.ADMIN).process(e -> {
            String id = id(e);
            String tokenId = e.getMessage().getHeader("tokenId", String.class);
            OrchestratorTokens.TokenInfo info = tokens.revoke(tokenId);
            if (!info.orchestratorId().equals(id)) {
                throw new LedgerException.NotFound("token_id", "no token " + tokenId + " of orchestrator " + id);
            }
            ApiSupport.respond(e, 200, token(info));
        });
    }

    private void list(Exchange exchange) throws Exception {
        List<OrchestratorView> views = new ArrayList<>();
        for (Orchestrator o : store.list()) {
            views.add(view(o, false));
        }
        ApiSupport.respond(exchange, 200, new OrchestratorList(views));
    }

    private void register(Exchange exchange) throws Exception {
        RegisterRequest body = Bodies.valid(exchange, RegisterRequest.class);
        if ("me".equals(body.orchestratorId())) {
            throw new ApiSupport.BadRequest("orchestrator_id", "orchestrator_id 'me' is reserved");
        }
        Registration r = new Registration(
                body.orchestratorId(),
                address(body.address()),
                body.capability(),
                body.contactEmail(),
                body.hostPublicIp(),
                body.hostName(),
                body.healthUrl(),
                body.healthTimeout(),
                body.monitoredServices(),
                body.minServiceUptime(),
                metadata(body.metadata()));
        OrchestratorStore.Registered registered = store.register(r, "admin");
        ApiSupport.respond(exchange, registered.created() ? 201 : 200, view(registered.orchestrator(), false));
    }

    private void update(Exchange exchange) throws Exception {
        String id = id(exchange);
        UpdateRequest body = Bodies.valid(exchange, UpdateRequest.class);
        Registration patch = new Registration(
                id,
                body.address() == null ? null : address(body.address()),
                body.capability(),
                body.contactEmail(),
                body.hostPublicIp(),
                body.hostName(),
                body.healthUrl(),
                body.healthTimeout(),
                body.monitoredServices(),
                body.minServiceUptime(),
                metadata(body.metadata()));
        ApiSupport.respond(exchange, 200, view(store.update(id, patch), false));
    }

    private void snapshot(Exchange exchange) throws Exception {
        String id = id(exchange);
        HealthSnapshotRequest body = Bodies.valid(exchange, HealthSnapshotRequest.class);
        String data;
        try {
            data = Metadata.JSON.writeValueAsString(body.data());
        } catch (JsonProcessingException e) {
            throw new ApiSupport.BadRequest("data", "data must be a JSON object");
        }
        if (data.length() > settings.maxSnapshotBytes()) {
            throw new ApiException(
                    413,
                    "Content Too Large",
                    "data",
                    "data is larger than " + settings.maxSnapshotBytes() + " characters",
                    Map.of());
        }
        Object summary = body.data().get("summary");
        Integer servicesUp = null;
        if (summary instanceof Map<?, ?> m && m.get("services_up") instanceof Number n) {
            servicesUp = n.intValue();
        }
        Object ip = body.data().get("ip");
        String source = body.source() == null ? "forwarder" : body.source();
        health.storeSnapshot(id, source, data, servicesUp, ip instanceof String s && s.length() <= 64 ? s : null);
        ApiSupport.respond(exchange, 200, new Ok(true));
    }

    private void stats(Exchange exchange, String orchestratorId) throws SQLException {
        int days = ApiSupport.positiveInt(exchange, "days", 30);
        if (days > OrchestratorStats.MAX_DAYS) {
            throw new ApiSupport.BadRequest("days", "days must be at most " + OrchestratorStats.MAX_DAYS);
        }
        OrchestratorStats.Stats s = stats.stats(orchestratorId, days);
        BigInteger balance = store.balanceWei(orchestratorId);
        List<Map<String, Object>> daily = new ArrayList<>();
        for (OrchestratorStats.Day d : s.daily()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("date", d.date().toString());
            m.put("credits_eth", OrchestratorStats.eth(d.credits()));
            m.put("payouts_eth", OrchestratorStats.eth(d.payouts()));
            m.put("session_eth", OrchestratorStats.eth(d.session()));
            m.put("workload_eth", OrchestratorStats.eth(d.workload()));
            m.put("adjustments_eth", OrchestratorStats.eth(d.adjustments()));
            m.put("net_delta_eth", OrchestratorStats.eth(d.netDelta()));
            m.put("credits_wei", d.credits().toString());
            m.put("payouts_wei", d.payouts().toString());
            m.put("net_delta_wei", d.netDelta().toString());
            m.put("credits_by_reason_wei", strings(d.byReason()));
            daily.add(m);
        }
        OrchestratorStats.Day t = s.total();
        ApiSupport.respond(
                exchange,
                200,
                new StatsView(
                        orchestratorId,
                        OrchestratorStats.eth(balance),
                        balance.toString(),
                        "eth",
                        days,
                        OrchestratorStats.eth(t.credits()),
                        OrchestratorStats.eth(t.payouts()),
                        OrchestratorStats.eth(t.session()),
                        OrchestratorStats.eth(t.workload()),
                        OrchestratorStats.eth(t.adjustments()),
                        OrchestratorStats.eth(t.netDelta()),
                        t.credits().toString(),
                        t.payouts().toString(),
                        t.netDelta().toString(),
                        strings(t.byReason()),
                        daily));
    }

    /** The read-side record of an orchestrator. */
    OrchestratorView view(Orchestrator o, boolean withSamples) throws Exception {
        Instant now = clock.instant();
        Activity activity = activity().of(o.orchestratorId(), now);
        boolean snapshotFresh =
                o.forwarderHealth() != null && o.forwarderHealth().fresh(now, settings.forwarderTtl());
        boolean snapshotUp = snapshotFresh && servicesUp(o.forwarderHealth().data()) > 0;
        Duration recent = settings.forwarderTtl().compareTo(Duration.ofSeconds(300)) > 0
                ? settings.forwarderTtl()
                : Duration.ofSeconds(300);
        boolean recentContact = o.lastSeen() != null
                && !Duration.between(o.lastSeen(), now).isNegative()
                && Duration.between(o.lastSeen(), now).compareTo(recent) <= 0;
        String reason = activity.activeSessions() > 0
                ? "session"
                : activity.activeLeases() > 0
                        ? "activity_lease"
                        : snapshotUp ? "forwarder_health" : recentContact ? "recent_contact" : null;
        BigInteger balance = store.balanceWei(o.orchestratorId());
        Instant since = o.lastHealthyAt();
        List<SampleView> samples = null;
        if (withSamples) {
            samples = health.samples(o.orchestratorId(), SAMPLES_SHOWN).stream()
                    .map(s -> new SampleView(
                            s.at(),
                            s.source(),
                            s.reachable(),
                            s.servicesUp(),
                            s.totalServices(),
                            s.overallUptime(),
                            s.error()))
                    .toList();
        }
        return new OrchestratorView(
                o.orchestratorId(),
                o.address(),
                o.capability(),
                o.contactEmail(),
                o.hostPublicIp(),
                o.hostName(),
                o.lastSeenIp(),
                o.healthUrl(),
                o.healthTimeout(),
                o.monitoredServices(),
                o.minServiceUptime() != null ? o.minServiceUptime() : settings.defaultMinUptime(),
                o.denylisted(),
                o.denylistReason(),
                o.eligibleForPayments(),
                o.eligible(now),
                o.registrationCount(),
                o.firstSeen(),
                o.lastSeen(),
                o.lastContactSource(),
                o.consecutiveMisses(),
                o.cooldownActive(now) ? o.cooldownExpiresAt() : null,
                o.cooldownActive(now),
                o.lastMissedAllServices(),
                o.lastCooldownStartedAt(),
                o.lastCooldownClearedAt(),
                o.lastHealthyAt(),
                since == null ? null : Math.max(0, Duration.between(since, now).toSeconds()),
                o.forwarderHealth() == null
                        ? null
                        : new ForwarderHealthView(
                                o.forwarderHealth().source(),
                                o.forwarderHealth().reportedAt(),
                                snapshotFresh,
                                json(o.forwarderHealth().data())),
                o.lastHealth() == null
                        ? null
                        : new LastHealthView(
                                o.lastHealth().at(),
                                o.lastHealth().source(),
                                o.lastHealth().up(),
                                json(o.lastHealth().summary())),
                balance.toString(),
                OrchestratorStats.eth(balance),
                "eth",
                reason != null,
                reason,
                activity.inUse(),
                activity.activeSessions(),
                activity.activeLeases(),
                activity.details(),
                json(o.metadata()),
                o.createdAt(),
                o.updatedAt(),
                samples);
    }

    private OrchestratorActivity activity() {
        CamelContext context = getCamelContext();
        OrchestratorActivity bound =
                context == null ? null : context.getRegistry().findSingleByType(OrchestratorActivity.class);
        return bound == null ? OrchestratorActivity.NONE : bound;
    }

    /** The orchestrator id of a valid orchestrator token; 401 otherwise. */
    private String orchestratorToken(Exchange exchange) throws SQLException {
        if (ApiSupport.credentialInQuery(exchange)) {
            throw new ApiSupport.BadRequest(null, "tokens are accepted in headers only");
        }
        String token = null;
        String authorization = exchange.getMessage().getHeader("Authorization", String.class);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = authorization.substring(7).trim();
        }
        if (token == null || token.isEmpty()) {
            token = exchange.getMessage().getHeader("X-Orchestrator-Token", String.class);
        }
        if (token == null || token.isBlank()) {
            throw new ApiException(
                    401,
                    "Unauthorized",
                    null,
                    "send an orchestrator token as Authorization: Bearer <token> or X-Orchestrator-Token",
                    CHALLENGE);
        }
        return tokens.authenticate(token.trim())
                .map(OrchestratorTokens.TokenInfo::orchestratorId)
                .orElseThrow(() ->
                        new ApiException(401, "Unauthorized", null, "the orchestrator token is not valid", CHALLENGE));
    }

    private static String id(Exchange exchange) {
        return exchange.getMessage().getHeader("id", String.class);
    }

    private static String address(String raw) {
        try {
            return OrchestratorAddress.checksummed(raw);
        } catch (IllegalArgumentException e) {
            throw new ApiSupport.BadRequest("address", e.getMessage());
        }
    }

    private static String metadata(Map<String, Object> metadata) {
        String json = Metadata.toJson(metadata);
        if (json != null && json.length() > 4000) {
            throw new ApiSupport.BadRequest("metadata", "metadata is longer than 4000 characters as JSON");
        }
        return json;
    }

    private static TokenView token(OrchestratorTokens.TokenInfo t) {
        return new TokenView(
                t.tokenId(),
                t.orchestratorId(),
                t.label(),
                t.createdAt(),
                t.expiresAt(),
                t.revokedAt(),
                t.lastUsedAt());
    }

    private static Map<String, String> strings(Map<String, BigInteger> wei) {
        Map<String, String> out = new LinkedHashMap<>();
        wei.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    private static JsonNode json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Metadata.JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private static int servicesUp(String data) {
        JsonNode node = json(data);
        JsonNode up = node == null ? null : node.path("summary").path("services_up");
        return up != null && up.isIntegralNumber() ? up.asInt() : 0;
    }
}
