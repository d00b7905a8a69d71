package io.livepeer.clearinghouse.routes.usage;

import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.json.Json;
import io.livepeer.clearinghouse.processors.money.PriceAudit;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.DeadLetter;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.DeadLetterPage;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.Event;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.EventPage;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.Gap;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.GapPage;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.GapTotals;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.Summary;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.SummaryRow;
import io.livepeer.clearinghouse.routes.usage.UsageApiModel.Totals;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.camel.Exchange;

/**
 * The read-only usage API on {@code camel.server.port} (reference: {@code docs/api.md}); viewer or admin token.
 * Amounts are decimal strings (USD micros, wei) so no client loses precision. Bodies: {@link UsageApiModel}.
 * <ul>
 *   <li>{@code GET /api/usage/summary?from=&to=&subject=}: per subject and pipeline, over a usage-time range</li>
 *   <li>{@code GET /api/usage/events?subject=&status=pending|delivered|rejected&price_audit=flagged&limit=&cursor=}:
 *       newest first</li>
 *   <li>{@code GET /api/usage/gaps?limit=&cursor=}: open gaps in payment sessions' sequence numbers, newest first,
 *       with every open gap added up and the estimated unbilled value ({@link SequenceGaps})</li>
 *   <li>{@code GET /api/dead-letters?limit=&cursor=}: newest first, raw bytes as text or base64</li>
 * </ul>
 */
public final class UsageApiRoutes extends ApiRouteBuilder {

    private static final Instant END_OF_TIME = Instant.parse("9999-12-31T00:00:00Z");

    private final OutboxQueries outbox;
    private final DeadLetters deadLetters;
    private final SequenceGaps gaps;

    public UsageApiRoutes(OutboxQueries outbox, DeadLetters deadLetters, SequenceGaps gaps, ApiAuth auth) {
        super(auth);
        this.outbox = outbox;
        this.deadLetters = deadLetters;
        this.gaps = gaps;
    }

    @Override
    public void configure() {
        rest("/api/usage")
                .description("Metered usage (viewer or admin token)")
                .get("/summary")
                .id("api-usage-summary")
                .description("Usage per customer key and pipeline over a range of usage time")
                .param(query(
                        "from",
                        "string",
                        "start of the range, inclusive: RFC 3339 time or YYYY-MM-DD" + " (UTC); default all time"))
                .param(query("to", "string", "end of the range, exclusive; default all time"))
                .param(query("subject", "string", "one customer key (CloudEvent subject); default all"))
                .outType(Summary.class)
                .to(direct("api-usage-summary"))
                .get("/events")
                .id("api-usage-events")
                .description("Metered events, newest first, with their delivery state and the CloudEvent sent")
                .param(query("subject", "string", "customer key"))
                .param(query("status", "string", "delivery state").allowableValues("pending", "delivered", "rejected"))
                .param(query(
                                "price_audit",
                                "string",
                                "flagged: only events whose signer and oracle USD values differ by more than the"
                                        + " price audit tolerance")
                        .allowableValues("flagged"))
                .param(limit())
                .param(cursor())
                .outType(EventPage.class)
                .to(direct("api-usage-events"))
                .get("/gaps")
                .id("api-usage-gaps")
                .description("Open gaps in payment sessions' sequence numbers (signed tickets whose events never"
                        + " arrived), newest first, with all open gaps added up and their estimated unbilled value")
                .param(limit())
                .param(cursor())
                .outType(GapPage.class)
                .to(direct("api-usage-gaps"));
        rest("/api/dead-letters")
                .description("Input that could not be metered (viewer or admin token)")
                .get()
                .id("api-dead-letters")
                .description("Dead letters, newest first; raw bytes as text or base64")
                .param(limit())
                .param(cursor())
                .outType(DeadLetterPage.class)
                .to(direct("api-dead-letters"));

        api("api-usage-summary", Role.VIEWER).process(this::summary);
        api("api-usage-events", Role.VIEWER).process(this::events);
        api("api-usage-gaps", Role.VIEWER).process(this::gaps);
        api("api-dead-letters", Role.VIEWER).process(this::deadLetters);
    }

    private void summary(Exchange exchange) throws SQLException {
        Instant from = ApiSupport.instant(exchange, "from", Instant.EPOCH);
        Instant to = ApiSupport.instant(exchange, "to", END_OF_TIME);
        if (!from.isBefore(to)) {
            throw new ApiSupport.BadRequest("to", "to must be after from");
        }
        String subject = ApiSupport.query(exchange, "subject");
        List<OutboxQueries.UsageSummaryRow> found = outbox.summary(from, to, subject);
        List<SummaryRow> rows = found.stream()
                .map(r -> new SummaryRow(
                        r.subject(),
                        r.pipeline(),
                        r.events(),
                        r.networkMicros().toPlainString(),
                        r.billableMicros().toPlainString(),
                        r.feeWei().toString(),
                        r.pending(),
                        r.delivered(),
                        r.rejected()))
                .toList();
        ApiSupport.respond(exchange, 200, new Summary(from, to, subject, rows, totals(found)));
    }

    private static Totals totals(List<OutboxQueries.UsageSummaryRow> rows) {
        long events = 0;
        long pending = 0;
        long delivered = 0;
        long rejected = 0;
        BigDecimal network = BigDecimal.ZERO;
        BigDecimal billable = BigDecimal.ZERO;
        BigInteger wei = BigInteger.ZERO;
        for (OutboxQueries.UsageSummaryRow row : rows) {
            events += row.events();
            pending += row.pending();
            delivered += row.delivered();
            rejected += row.rejected();
            network = network.add(row.networkMicros());
            billable = billable.add(row.billableMicros());
            wei = wei.add(row.feeWei());
        }
        return new Totals(
                events,
                network.stripTrailingZeros().toPlainString(),
                billable.stripTrailingZeros().toPlainString(),
                wei.toString(),
                pending,
                delivered,
                rejected);
    }

    private void events(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        String priceAudit = ApiSupport.query(exchange, "price_audit");
        if (priceAudit != null && !priceAudit.equals("flagged")) {
            throw new ApiSupport.BadRequest("price_audit", "price_audit must be flagged, got '" + priceAudit + "'");
        }
        List<OutboxQueries.OutboxEventView> page = outbox.list(
                ApiSupport.query(exchange, "subject"),
                ApiSupport.enumValue(exchange, "status", OutboxQueries.Status.class),
                priceAudit != null,
                ApiSupport.cursor(exchange),
                limit);
        List<Event> events = page.stream()
                .map(e -> new Event(
                        e.seq(),
                        e.eventId(),
                        e.subject(),
                        e.pipeline(),
                        e.modelId(),
                        e.eventTime(),
                        e.feeWei().toString(),
                        e.networkMicros().toPlainString(),
                        e.billableMicros().toPlainString(),
                        e.ethUsdPrice().toPlainString(),
                        e.status().name().toLowerCase(Locale.ROOT),
                        e.attempts(),
                        e.lastError(),
                        e.createdAt(),
                        parse(e.cloudEvent()),
                        e.payerAddress(),
                        e.usdSource(),
                        plain(e.oracleMicros()),
                        plain(e.signerMicros()),
                        plain(e.divergenceMicros()),
                        ratio(e.oracleMicros(), e.signerMicros()),
                        e.priceAuditFlagged()))
                .toList();
        ApiSupport.respond(
                exchange,
                200,
                new EventPage(events, ApiSupport.nextCursor(page, limit, OutboxQueries.OutboxEventView::seq)));
    }

    private static String plain(BigDecimal amount) {
        return amount == null ? null : amount.toPlainString();
    }

    /** The relative divergence by the price audit's rule ({@link PriceAudit#relativeDivergence()}). */
    private static String ratio(BigDecimal oracle, BigDecimal signer) {
        if (oracle == null || signer == null) {
            return null;
        }
        return plain(PriceAudit.of(oracle, signer, BigDecimal.ZERO).relativeDivergence());
    }

    private void gaps(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        List<SequenceGaps.Gap> page = gaps.list(ApiSupport.cursor(exchange), limit);
        SequenceGaps.Summary all = gaps.summary();
        ApiSupport.respond(
                exchange,
                200,
                new GapPage(
                        page.stream()
                                .map(g -> new Gap(
                                        g.id(),
                                        g.signer(),
                                        g.subject(),
                                        g.sessionId(),
                                        g.fromSequence(),
                                        g.toSequence(),
                                        g.missingSequences(),
                                        g.firstSeen(),
                                        g.estimatedUnbilledWei().toString(),
                                        g.estimatedUnbilledUsdMicros().toPlainString(),
                                        g.estimatedTickets()))
                                .toList(),
                        new GapTotals(
                                all.openGaps(),
                                all.missingSequences(),
                                all.estimatedTickets(),
                                all.estimatedUnbilledWei().toString(),
                                all.estimatedUnbilledUsdMicros().toPlainString(),
                                all.oldestFirstSeen(),
                                SequenceGaps.ESTIMATION_RULE),
                        ApiSupport.nextCursor(page, limit, SequenceGaps.Gap::id)));
    }

    private void deadLetters(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        List<DeadLetters.DeadLetterView> page = deadLetters.list(ApiSupport.cursor(exchange), limit);
        List<DeadLetter> letters = page.stream()
                .map(d -> {
                    String text = utf8(d.raw());
                    return new DeadLetter(
                            d.id(),
                            d.source().topic(),
                            d.source().partition(),
                            d.source().offset(),
                            d.key(),
                            d.eventId(),
                            d.reason(),
                            text != null ? text : Base64.getEncoder().encodeToString(d.raw()),
                            text != null ? "utf-8" : "base64",
                            d.createdAt(),
                            parse(d.firstPayload()),
                            d.redriveOutcome(),
                            d.redriveReason(),
                            d.redrivenAt());
                })
                .toList();
        ApiSupport.respond(
                exchange,
                200,
                new DeadLetterPage(letters, ApiSupport.nextCursor(page, limit, DeadLetters.DeadLetterView::id)));
    }

    /**
     * Stored JSON as a tree (sent as JSON, not as a string), the text itself if it is not JSON, or null once
     * retention removed a delivered event's payload.
     */
    private static Object parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return json;
        }
    }

    private static String utf8(byte[] raw) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
