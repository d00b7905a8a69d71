package io.livepeer.clearinghouse.routes.ledger;

import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.AccountKind;
import io.livepeer.clearinghouse.ledger.credit.CustomerUsage;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Exchange;

/**
 * The operator API over the credit ledger (reference: {@code docs/ledger.md}). Writes need the admin token, reads
 * the viewer or admin token. Amounts are decimal strings in the account's unit.
 */
public final class LedgerApiRoutes extends ApiRouteBuilder {

    private static final int MAX_DAYS = 366;

    private final Ledger ledger;
    private final CustomerUsage customerUsage;
    private final Reconciliation reconciliation;
    private final ApiAuth auth;
    private final Clock clock;

    public LedgerApiRoutes(Ledger ledger, CustomerUsage customerUsage, Reconciliation reconciliation, ApiAuth auth,
                           Clock clock) {
        this.ledger = ledger;
        this.customerUsage = customerUsage;
        this.reconciliation = reconciliation;
        this.auth = auth;
        this.clock = clock;
    }

    @Override
    public void configure() {
        problems();
        from(ApiSupport.endpoint("/api/ledger/grants", "POST")).routeId("api-ledger-grant")
                .process(auth.require(Role.ADMIN)).process(this::grant);
        from(ApiSupport.endpoint("/api/ledger/adjustments", "POST")).routeId("api-ledger-adjustment")
                .process(auth.require(Role.ADMIN)).process(this::adjust);
        from(ApiSupport.endpoint("/api/ledger/transfers/{id}/reverse", "POST")).routeId("api-ledger-reverse")
                .process(auth.require(Role.ADMIN)).process(this::reverse);
        from(ApiSupport.endpoint("/api/ledger/accounts/{key}", "GET")).routeId("api-ledger-account")
                .process(auth.require(Role.VIEWER)).process(this::account);
        from(ApiSupport.endpoint("/api/ledger/accounts", "GET")).routeId("api-ledger-accounts")
                .process(auth.require(Role.VIEWER)).process(this::accounts);
        from(ApiSupport.endpoint("/api/ledger/transfers", "GET")).routeId("api-ledger-transfers")
                .process(auth.require(Role.VIEWER)).process(this::transfers);
        from(ApiSupport.endpoint("/api/ledger/reconciliation", "GET")).routeId("api-ledger-reconciliation")
                .process(auth.require(Role.VIEWER)).process(this::reconcile);
        from(ApiSupport.endpoint("/api/customers/{key}/usage", "GET")).routeId("api-customer-usage")
                .process(auth.require(Role.VIEWER)).process(this::customerUsage);
    }

    private void grant(Exchange exchange) throws IOException, SQLException {
        Bodies.GrantRequest body = Bodies.read(exchange, Bodies.GrantRequest.class);
        String id = transferId(exchange, body.transferId(), "grant");
        Map<String, Object> metadata = new java.util.LinkedHashMap<>(Bodies.orEmpty(body.metadata()));
        if (body.reason() != null) {
            metadata.put("reason", body.reason());
        }
        Ledger.Posted posted = ledger.post(new NewTransfer(id, AccountKeys.GRANTS, AccountKeys.customer(
                body.customer().trim()), body.amountUsdMicros(), TransferKind.GRANT, null, null,
                Metadata.toJson(metadata)));
        respondPosted(exchange, posted, AccountKeys.customer(body.customer().trim()));
    }

    private void adjust(Exchange exchange) throws IOException, SQLException {
        Bodies.AdjustmentRequest body = Bodies.read(exchange, Bodies.AdjustmentRequest.class);
        AccountKeys.Spec spec = AccountKeys.parse(body.account());
        if (spec.kind() == AccountKind.SYSTEM) {
            throw new ApiSupport.BadRequest("account", "adjust a customer:<key> or orchestrator:<id> account");
        }
        if (body.amount().signum() == 0) {
            throw new ApiSupport.BadRequest("amount", "amount must not be zero");
        }
        String id = transferId(exchange, body.transferId(), "adjustment");
        String system = AccountKeys.adjustments(spec.unit());
        boolean credit = body.amount().signum() > 0;
        Ledger.Posted posted = ledger.post(new NewTransfer(id, credit ? system : body.account(),
                credit ? body.account() : system, body.amount().abs(), TransferKind.ADJUSTMENT, null, null,
                Metadata.of("reason", body.reason())));
        respondPosted(exchange, posted, body.account());
    }

    private void reverse(Exchange exchange) throws IOException, SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        Bodies.ReverseRequest body = Bodies.read(exchange, Bodies.ReverseRequest.class);
        Ledger.Posted posted = ledger.reverse(id, body.reason());
        ObjectNode json = Json.mapper().createObjectNode();
        json.set("transfer", transfer(posted.transfer()));
        ApiSupport.json(exchange, posted.created() ? 201 : 200, json);
        replayedHeader(exchange, posted);
    }

    private void account(Exchange exchange) throws SQLException {
        String key = exchange.getMessage().getHeader("key", String.class);
        Account account = ledger.account(key).orElseThrow(() -> new LedgerException.NotFound("key",
                "no account " + key));
        ApiSupport.json(exchange, 200, account(account));
    }

    private void accounts(Exchange exchange) throws SQLException {
        AccountKind kind = ApiSupport.enumValue(exchange, "kind", AccountKind.class);
        int size = ApiSupport.limit(exchange, "size");
        int page = ApiSupport.positiveInt(exchange, "page", 1);
        List<Account> accounts = ledger.accounts(kind, (page - 1) * size, size);
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("page", page);
        json.put("size", size);
        ArrayNode array = json.putArray("accounts");
        accounts.forEach(a -> array.add(account(a)));
        json.put("next_page", accounts.size() == size ? page + 1 : null);
        ApiSupport.json(exchange, 200, json);
    }

    private void transfers(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        List<Transfer> page = ledger.transfers(ApiSupport.query(exchange, "account"),
                ApiSupport.enumValue(exchange, "kind", TransferKind.class),
                ApiSupport.instant(exchange, "from", null), ApiSupport.instant(exchange, "to", null),
                ApiSupport.cursor(exchange), limit);
        ObjectNode json = Json.mapper().createObjectNode();
        ArrayNode array = json.putArray("transfers");
        page.forEach(t -> array.add(transfer(t)));
        json.put("next_cursor", page.size() == limit ? String.valueOf(page.get(page.size() - 1).seq()) : null);
        ApiSupport.json(exchange, 200, json);
    }

    private void reconcile(Exchange exchange) throws SQLException {
        Reconciliation.Report report = reconciliation.run();
        if ("markdown".equalsIgnoreCase(ApiSupport.query(exchange, "format"))) {
            ApiSupport.clearHeaders(exchange);
            exchange.getMessage().setBody(report.markdown());
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/markdown; charset=utf-8");
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
            return;
        }
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("ok", report.ok());
        json.put("at", report.at().toString());
        json.put("accounts", report.accounts());
        ArrayNode mismatches = json.putArray("balance_mismatches");
        report.balanceMismatches().forEach(m -> mismatches.addObject().put("account", m.account())
                .put("unit", m.unit().name()).put("debits_posted", m.debitsPosted().toPlainString())
                .put("debits_from_transfers", m.debitsFromTransfers().toPlainString())
                .put("credits_posted", m.creditsPosted().toPlainString())
                .put("credits_from_transfers", m.creditsFromTransfers().toPlainString()));
        ObjectNode totals = json.putObject("totals");
        report.totals().forEach((unit, t) -> totals.putObject(unit.name()).put("debits", t.debits().toPlainString())
                .put("credits", t.credits().toPlainString()).put("balanced", t.balanced()));
        json.put("outbox_events", report.outboxEvents());
        json.put("usage_transfers", report.usageTransfers());
        json.put("events_without_usage", report.eventsWithoutUsage());
        json.set("events_without_usage_sample", Json.mapper().valueToTree(report.eventsWithoutUsageSample()));
        json.put("usage_without_event", report.usageWithoutEvent());
        json.set("usage_without_event_sample", Json.mapper().valueToTree(report.usageWithoutEventSample()));
        json.put("usage_not_matching", report.usageNotMatching());
        json.set("usage_not_matching_sample", Json.mapper().valueToTree(report.usageNotMatchingSample()));
        ApiSupport.json(exchange, 200, json);
    }

    private void customerUsage(Exchange exchange) throws SQLException {
        String key = exchange.getMessage().getHeader("key", String.class);
        int days = ApiSupport.positiveInt(exchange, "days", 30);
        if (days > MAX_DAYS) {
            throw new ApiSupport.BadRequest("days", "days must be at most " + MAX_DAYS);
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        List<CustomerUsage.Day> rows = customerUsage.days(key, today.minusDays(days - 1L), today);
        var account = ledger.account(AccountKeys.customer(key));
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("customer", key);
        json.put("balance_usd_micros", account.map(a -> a.balance().toPlainString()).orElse("0"));
        ArrayNode array = json.putArray("days");
        long events = 0;
        BigDecimal network = BigDecimal.ZERO;
        BigDecimal billable = BigDecimal.ZERO;
        BigDecimal granted = BigDecimal.ZERO;
        for (CustomerUsage.Day d : rows) {
            array.addObject().put("date", d.day().toString()).put("events", d.events())
                    .put("network_usd_micros", d.networkMicros().toPlainString())
                    .put("billable_usd_micros", d.billableMicros().toPlainString())
                    .put("granted_usd_micros", d.grantedMicros().toPlainString());
            events += d.events();
            network = network.add(d.networkMicros());
            billable = billable.add(d.billableMicros());
            granted = granted.add(d.grantedMicros());
        }
        json.putObject("totals").put("events", events)
                .put("network_usd_micros", network.stripTrailingZeros().toPlainString())
                .put("billable_usd_micros", billable.stripTrailingZeros().toPlainString())
                .put("granted_usd_micros", granted.stripTrailingZeros().toPlainString());
        ApiSupport.json(exchange, 200, json);
    }

    private void respondPosted(Exchange exchange, Ledger.Posted posted, String accountKey) throws SQLException {
        ObjectNode json = Json.mapper().createObjectNode();
        json.set("transfer", transfer(posted.transfer()));
        ledger.account(accountKey).ifPresent(a -> json.set("account", account(a)));
        ApiSupport.json(exchange, posted.created() ? 201 : 200, json);
        replayedHeader(exchange, posted);
    }

    private static void replayedHeader(Exchange exchange, Ledger.Posted posted) {
        if (!posted.created()) {
            exchange.getMessage().setHeader("Idempotent-Replayed", "true");
        }
    }

    /** The transfer id: the body's {@code transfer_id}, else {@code <kind>:<Idempotency-Key>}, else a new UUID. */
    private static String transferId(Exchange exchange, String fromBody, String kind) {
        String header = exchange.getMessage().getHeader("Idempotency-Key", String.class);
        if (header != null && !header.isBlank()) {
            String fromHeader = kind + ":" + header.trim();
            if (fromBody != null && !fromBody.equals(fromHeader) && !fromBody.equals(header.trim())) {
                throw new ApiSupport.BadRequest("transfer_id", "transfer_id and the Idempotency-Key header differ");
            }
            if (fromHeader.length() > 255) {
                throw new ApiSupport.BadRequest("Idempotency-Key", "Idempotency-Key is too long");
            }
            return fromBody != null ? fromBody : fromHeader;
        }
        return fromBody != null ? fromBody : kind + ":" + UUID.randomUUID();
    }

    static ObjectNode account(Account a) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("key", a.key());
        node.put("kind", a.kind().name().toLowerCase());
        node.put("unit", a.unit().name());
        node.put("balance", a.balance().toPlainString());
        node.put("debits_posted", a.debitsPosted().toPlainString());
        node.put("credits_posted", a.creditsPosted().toPlainString());
        node.put("debits_must_not_exceed_credits", a.debitsMustNotExceedCredits());
        node.put("created_at", a.createdAt().toString());
        return node;
    }

    static ObjectNode transfer(Transfer t) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("id", t.id());
        node.put("seq", t.seq());
        node.put("kind", t.kind().name().toLowerCase());
        node.put("debit_account", t.debitAccount());
        node.put("credit_account", t.creditAccount());
        node.put("amount", t.amount().toPlainString());
        node.put("unit", t.unit().name());
        node.put("reverses_id", t.reversesId());
        node.put("source_event_id", t.sourceEventId());
        node.put("created_at", t.createdAt().toString());
        node.set("metadata", metadata(t.metadata()));
        return node;
    }

    private static JsonNode metadata(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return Json.mapper().getNodeFactory().textNode(json);
        }
    }
}
