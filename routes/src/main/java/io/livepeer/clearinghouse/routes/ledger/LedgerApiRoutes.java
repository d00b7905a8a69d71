package io.livepeer.clearinghouse.routes.ledger;

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
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.http.Bodies;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.AccountPage;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.AccountView;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.AdjustmentRequest;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.BalanceMismatch;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.GrantRequest;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.Posted;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.ReconciliationReport;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.ReverseRequest;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.TransferPage;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.TransferView;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.UnitTotals;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.UsageDay;
import io.livepeer.clearinghouse.routes.ledger.LedgerApiModel.UsageTotals;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * The operator API over the credit ledger (reference: {@code docs/ledger.md}). Writes need the admin token, reads
 * the viewer or admin token. Amounts are decimal strings in the account's unit. Bodies: {@link LedgerApiModel}.
 */
public final class LedgerApiRoutes extends ApiRouteBuilder {

    private static final int MAX_DAYS = 366;

    private final Ledger ledger;
    private final CustomerUsage customerUsage;
    private final Reconciliation reconciliation;
    private final Clock clock;

    public LedgerApiRoutes(
            Ledger ledger, CustomerUsage customerUsage, Reconciliation reconciliation, ApiAuth auth, Clock clock) {
        super(auth);
        this.ledger = ledger;
        this.customerUsage = customerUsage;
        this.reconciliation = reconciliation;
        this.clock = clock;
    }

    @Override
    public void configure() {
        rest("/api/ledger")
                .description("The credit ledger: writes need the admin token, reads the viewer token")
                .post("/grants")
                .id("api-ledger-grant")
                .description("Grant credit to a customer (prepaid top-up or trial); idempotent by the"
                        + " Idempotency-Key header or transfer_id")
                .type(GrantRequest.class)
                .outType(Posted.class)
                .responseMessage(response(201, "Created", Posted.class))
                .responseMessage(problem(409, "the transfer id was used for a different transfer"))
                .to(direct("api-ledger-grant"))
                .post("/adjustments")
                .id("api-ledger-adjustment")
                .description("Adjust a customer or orchestrator account by a signed amount, with a reason")
                .type(AdjustmentRequest.class)
                .outType(Posted.class)
                .responseMessage(response(201, "Created", Posted.class))
                .responseMessage(problem(409, "the transfer id was used for a different transfer"))
                .responseMessage(problem(422, "the account may not be overdrawn"))
                .to(direct("api-ledger-adjustment"))
                .post("/transfers/{id}/reverse")
                .id("api-ledger-reverse")
                .description("Reverse a transfer (once; asking again returns the same reversal)")
                .type(ReverseRequest.class)
                .outType(Posted.class)
                .responseMessage(response(201, "Created", Posted.class))
                .responseMessage(problem(404, "no such transfer"))
                .to(direct("api-ledger-reverse"))
                .get("/accounts/{key}")
                .id("api-ledger-account")
                .description("One account, by key (customer:<key>, orchestrator:<id>, system:<name>)")
                .outType(AccountView.class)
                .responseMessage(problem(404, "no such account"))
                .to(direct("api-ledger-account"))
                .get("/accounts")
                .id("api-ledger-accounts")
                .description("Accounts by key")
                .param(query("kind", "string", "account kind").allowableValues(kinds(AccountKind.class)))
                .param(limit())
                .param(cursor())
                .outType(AccountPage.class)
                .to(direct("api-ledger-accounts"))
                .get("/transfers")
                .id("api-ledger-transfers")
                .description("Transfers, newest first")
                .param(query("account", "string", "only transfers debiting or crediting this account"))
                .param(query("kind", "string", "transfer kind").allowableValues(kinds(TransferKind.class)))
                .param(query("from", "string", "posted at or after: RFC 3339 time or YYYY-MM-DD (UTC)"))
                .param(query("to", "string", "posted before"))
                .param(limit())
                .param(cursor())
                .outType(TransferPage.class)
                .responseMessage(problem(404, "no such account"))
                .to(direct("api-ledger-transfers"))
                .get("/reconciliation")
                .id("api-ledger-reconciliation")
                .description("Whether the books balance; format=markdown for the report as text")
                .param(query("format", "string", "json (default) or markdown").allowableValues("json", "markdown"))
                .produces("application/json,text/markdown")
                .outType(ReconciliationReport.class)
                .to(direct("api-ledger-reconciliation"));
        rest("/api/customers")
                .description("Customers (viewer or admin token)")
                .get("/{key}/usage")
                .id("api-customer-usage")
                .description("A customer's usage and grants per UTC day, with its balance")
                .param(query("days", "integer", "days up to today, 1 to " + MAX_DAYS)
                        .defaultValue("30"))
                .outType(LedgerApiModel.CustomerUsage.class)
                .to(direct("api-customer-usage"));

        api("api-ledger-grant", Role.ADMIN).process(this::grant);
        api("api-ledger-adjustment", Role.ADMIN).process(this::adjust);
        api("api-ledger-reverse", Role.ADMIN).process(this::reverse);
        api("api-ledger-account", Role.VIEWER).process(this::account);
        api("api-ledger-accounts", Role.VIEWER).process(this::accounts);
        api("api-ledger-transfers", Role.VIEWER).process(this::transfers);
        api("api-ledger-reconciliation", Role.VIEWER).process(this::reconcile);
        api("api-customer-usage", Role.VIEWER).process(this::customerUsage);
    }

    private void grant(Exchange exchange) throws SQLException {
        GrantRequest body = Bodies.valid(exchange, GrantRequest.class);
        String id = transferId(exchange, body.transferId(), "grant");
        Map<String, Object> metadata = new LinkedHashMap<>(Bodies.orEmpty(body.metadata()));
        if (body.reason() != null) {
            metadata.put("reason", body.reason());
        }
        String customer = AccountKeys.customer(body.customer().trim());
        Ledger.Posted posted = ledger.post(new NewTransfer(
                id,
                AccountKeys.GRANTS,
                customer,
                body.amountUsdMicros(),
                TransferKind.GRANT,
                null,
                null,
                Metadata.toJson(metadata)));
        respondPosted(exchange, posted, customer);
    }

    private void adjust(Exchange exchange) throws SQLException {
        AdjustmentRequest body = Bodies.valid(exchange, AdjustmentRequest.class);
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
        Ledger.Posted posted = ledger.post(new NewTransfer(
                id,
                credit ? system : body.account(),
                credit ? body.account() : system,
                body.amount().abs(),
                TransferKind.ADJUSTMENT,
                null,
                null,
                Metadata.of("reason", body.reason())));
        respondPosted(exchange, posted, body.account());
    }

    private void reverse(Exchange exchange) throws SQLException {
        String id = exchange.getMessage().getHeader("id", String.class);
        ReverseRequest body = Bodies.valid(exchange, ReverseRequest.class);
        Ledger.Posted posted = ledger.reverse(id, body.reason());
        respond(exchange, posted, new Posted(transfer(posted.transfer()), null));
    }

    private void account(Exchange exchange) throws SQLException {
        String key = exchange.getMessage().getHeader("key", String.class);
        Account account =
                ledger.account(key).orElseThrow(() -> new LedgerException.NotFound("key", "no account " + key));
        ApiSupport.respond(exchange, 200, account(account));
    }

    private void accounts(Exchange exchange) throws SQLException {
        AccountKind kind = ApiSupport.enumValue(exchange, "kind", AccountKind.class);
        int limit = ApiSupport.limit(exchange);
        Long cursor = ApiSupport.cursor(exchange);
        long offset = cursor == null ? 0 : cursor; // accounts page by key, so the cursor is the next offset
        if (offset > Integer.MAX_VALUE) {
            throw new ApiSupport.BadRequest("cursor", "cursor must be the next_cursor of a previous page");
        }
        List<Account> page = ledger.accounts(kind, (int) offset, limit);
        ApiSupport.respond(
                exchange,
                200,
                new AccountPage(
                        page.stream().map(LedgerApiRoutes::account).toList(),
                        ApiSupport.nextOffsetCursor(page, limit, offset)));
    }

    private void transfers(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        List<Transfer> page = ledger.transfers(
                ApiSupport.query(exchange, "account"),
                ApiSupport.enumValue(exchange, "kind", TransferKind.class),
                ApiSupport.instant(exchange, "from", null),
                ApiSupport.instant(exchange, "to", null),
                ApiSupport.cursor(exchange),
                limit);
        ApiSupport.respond(
                exchange,
                200,
                new TransferPage(
                        page.stream().map(LedgerApiRoutes::transfer).toList(),
                        ApiSupport.nextCursor(page, limit, Transfer::seq)));
    }

    private void reconcile(Exchange exchange) throws SQLException {
        Reconciliation.Report report = reconciliation.run();
        if ("markdown".equalsIgnoreCase(ApiSupport.query(exchange, "format"))) {
            ApiSupport.respond(exchange, 200, report.markdown());
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/markdown; charset=utf-8");
            return;
        }
        Map<String, UnitTotals> totals = new LinkedHashMap<>();
        report.totals()
                .forEach((unit, t) -> totals.put(
                        unit.name(),
                        new UnitTotals(t.debits().toPlainString(), t.credits().toPlainString(), t.balanced())));
        ApiSupport.respond(
                exchange,
                200,
                new ReconciliationReport(
                        report.ok(),
                        report.at(),
                        report.accounts(),
                        report.balanceMismatches().stream()
                                .map(m -> new BalanceMismatch(
                                        m.account(),
                                        m.unit().name(),
                                        m.debitsPosted().toPlainString(),
                                        m.debitsFromTransfers().toPlainString(),
                                        m.creditsPosted().toPlainString(),
                                        m.creditsFromTransfers().toPlainString()))
                                .toList(),
                        totals,
                        report.outboxEvents(),
                        report.usageTransfers(),
                        report.eventsWithoutUsage(),
                        report.eventsWithoutUsageSample(),
                        report.usageWithoutEvent(),
                        report.usageWithoutEventSample(),
                        report.usageNotMatching(),
                        report.usageNotMatchingSample()));
    }

    private void customerUsage(Exchange exchange) throws SQLException {
        String key = exchange.getMessage().getHeader("key", String.class);
        int days = ApiSupport.positiveInt(exchange, "days", 30);
        if (days > MAX_DAYS) {
            throw new ApiSupport.BadRequest("days", "days must be at most " + MAX_DAYS);
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        List<CustomerUsage.Day> rows = customerUsage.days(key, today.minusDays(days - 1L), today);
        String balance = ledger.account(AccountKeys.customer(key))
                .map(a -> a.balance().toPlainString())
                .orElse("0");
        long events = 0;
        BigDecimal network = BigDecimal.ZERO;
        BigDecimal billable = BigDecimal.ZERO;
        BigDecimal granted = BigDecimal.ZERO;
        for (CustomerUsage.Day d : rows) {
            events += d.events();
            network = network.add(d.networkMicros());
            billable = billable.add(d.billableMicros());
            granted = granted.add(d.grantedMicros());
        }
        ApiSupport.respond(
                exchange,
                200,
                new LedgerApiModel.CustomerUsage(
                        key,
                        balance,
                        rows.stream()
                                .map(d -> new UsageDay(
                                        d.day(),
                                        d.events(),
                                        d.networkMicros().toPlainString(),
                                        d.billableMicros().toPlainString(),
                                        d.grantedMicros().toPlainString()))
                                .toList(),
                        new UsageTotals(
                                events,
                                network.stripTrailingZeros().toPlainString(),
                                billable.stripTrailingZeros().toPlainString(),
                                granted.stripTrailingZeros().toPlainString())));
    }

    private void respondPosted(Exchange exchange, Ledger.Posted posted, String accountKey) throws SQLException {
        respond(
                exchange,
                posted,
                new Posted(
                        transfer(posted.transfer()),
                        ledger.account(accountKey).map(LedgerApiRoutes::account).orElse(null)));
    }

    /** 201 for a new transfer; 200 with {@code Idempotent-Replayed: true} for a retry that found it. */
    private static void respond(Exchange exchange, Ledger.Posted posted, Posted body) {
        ApiSupport.respond(exchange, posted.created() ? 201 : 200, body);
        if (!posted.created()) {
            exchange.getMessage().setHeader("Idempotent-Replayed", "true");
        }
    }

    /**
     * The transfer id of an operator write: {@code <kind>:<key>} from the {@code Idempotency-Key} header or the body's
     * {@code transfer_id}, which are required so a client's retry can never post twice. A client key is always inside
     * its kind's namespace ({@code usage:e1} as a grant id becomes {@code grant:usage:e1}), so it can never take the id
     * of a usage posting or any other system transfer.
     *
     * @throws ApiSupport.BadRequest when neither is given, they differ, or the id is over 255 characters
     */
    private static String transferId(Exchange exchange, String fromBody, String kind) {
        String header = exchange.getMessage().getHeader("Idempotency-Key", String.class);
        String key = header != null && !header.isBlank() ? header.trim() : null;
        String body = fromBody == null ? null : namespaced(kind, fromBody.trim());
        if (key == null && body == null) {
            throw new ApiSupport.BadRequest(
                    "Idempotency-Key",
                    "a " + kind + " needs an Idempotency-Key header (or transfer_id): without one a retried request"
                            + " would post twice");
        }
        String fromHeader = key == null ? null : namespaced(kind, key);
        if (fromHeader != null && body != null && !body.equals(fromHeader)) {
            throw new ApiSupport.BadRequest("transfer_id", "transfer_id and the Idempotency-Key header differ");
        }
        String id = body != null ? body : fromHeader;
        if (id.length() > 255) {
            throw new ApiSupport.BadRequest(
                    key != null ? "Idempotency-Key" : "transfer_id", "the transfer id is too long (255 at most)");
        }
        return id;
    }

    private static String namespaced(String kind, String key) {
        return key.startsWith(kind + ":") ? key : kind + ":" + key;
    }

    private static AccountView account(Account a) {
        return new AccountView(
                a.key(),
                a.kind().name().toLowerCase(Locale.ROOT),
                a.unit().name(),
                a.balance().toPlainString(),
                a.debitsPosted().toPlainString(),
                a.creditsPosted().toPlainString(),
                a.debitsMustNotExceedCredits(),
                a.createdAt());
    }

    private static TransferView transfer(Transfer t) {
        return new TransferView(
                t.id(),
                t.seq(),
                t.kind().name().toLowerCase(Locale.ROOT),
                t.debitAccount(),
                t.creditAccount(),
                t.amount().toPlainString(),
                t.unit().name(),
                t.reversesId(),
                t.sourceEventId(),
                t.createdAt(),
                metadata(t.metadata()));
    }

    /** Stored metadata as JSON (a tree), the text itself if it is not JSON, or null. */
    private static Object metadata(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return json;
        }
    }

    private static String[] kinds(Class<? extends Enum<?>> type) {
        return ApiSupport.lowerCase(type).split(", ");
    }
}
