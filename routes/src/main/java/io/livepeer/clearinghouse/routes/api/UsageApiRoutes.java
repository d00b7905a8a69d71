package io.livepeer.clearinghouse.routes.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.processors.json.Json;
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
import org.apache.camel.Exchange;

/**
 * The read-only usage API on {@code camel.server.port} (reference: {@code docs/api.md}); viewer or admin token.
 * Amounts are decimal strings (USD micros, wei) so no client loses precision.
 * <ul>
 *   <li>{@code GET /api/usage/summary?from=&to=&subject=}: per subject and pipeline, over a usage-time range</li>
 *   <li>{@code GET /api/usage/events?subject=&status=pending|delivered|rejected&limit=&cursor=}: newest first</li>
 *   <li>{@code GET /api/dead-letters?limit=&cursor=}: newest first, raw bytes as text or base64</li>
 * </ul>
 */
public final class UsageApiRoutes extends ApiRouteBuilder {

    private final OutboxQueries outbox;
    private final DeadLetters deadLetters;
    private final ApiAuth auth;

    public UsageApiRoutes(OutboxQueries outbox, DeadLetters deadLetters, ApiAuth auth) {
        this.outbox = outbox;
        this.deadLetters = deadLetters;
        this.auth = auth;
    }

    @Override
    public void configure() {
        problems();
        from(ApiSupport.endpoint("/api/usage/summary", "GET")).routeId("api-usage-summary")
                .process(auth.require(ApiAuth.Role.VIEWER)).process(this::summary);
        from(ApiSupport.endpoint("/api/usage/events", "GET")).routeId("api-usage-events")
                .process(auth.require(ApiAuth.Role.VIEWER)).process(this::events);
        from(ApiSupport.endpoint("/api/dead-letters", "GET")).routeId("api-dead-letters")
                .process(auth.require(ApiAuth.Role.VIEWER)).process(this::deadLetters);
    }

    private void summary(Exchange exchange) throws SQLException {
        Instant from = ApiSupport.instant(exchange, "from", Instant.EPOCH);
        Instant to = ApiSupport.instant(exchange, "to", Instant.parse("9999-12-31T00:00:00Z"));
        if (!from.isBefore(to)) {
            throw new ApiSupport.BadRequest("to", "to must be after from");
        }
        String subject = ApiSupport.query(exchange, "subject");
        List<OutboxQueries.UsageSummaryRow> rows = outbox.summary(from, to, subject);
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("from", from.toString());
        body.put("to", to.toString());
        if (subject != null) {
            body.put("subject", subject);
        }
        ArrayNode array = body.putArray("rows");
        long events = 0;
        long pending = 0;
        long delivered = 0;
        long rejected = 0;
        BigDecimal network = BigDecimal.ZERO;
        BigDecimal billable = BigDecimal.ZERO;
        BigInteger wei = BigInteger.ZERO;
        for (OutboxQueries.UsageSummaryRow row : rows) {
            ObjectNode node = array.addObject();
            node.put("subject", row.subject());
            node.put("pipeline", row.pipeline());
            node.put("events", row.events());
            node.put("network_usd_micros", row.networkMicros().toPlainString());
            node.put("billable_usd_micros", row.billableMicros().toPlainString());
            node.put("fee_wei", row.feeWei().toString());
            node.put("pending", row.pending());
            node.put("delivered", row.delivered());
            node.put("rejected", row.rejected());
            events += row.events();
            pending += row.pending();
            delivered += row.delivered();
            rejected += row.rejected();
            network = network.add(row.networkMicros());
            billable = billable.add(row.billableMicros());
            wei = wei.add(row.feeWei());
        }
        ObjectNode totals = body.putObject("totals");
        totals.put("events", events);
        totals.put("network_usd_micros", network.stripTrailingZeros().toPlainString());
        totals.put("billable_usd_micros", billable.stripTrailingZeros().toPlainString());
        totals.put("fee_wei", wei.toString());
        totals.put("pending", pending);
        totals.put("delivered", delivered);
        totals.put("rejected", rejected);
        ApiSupport.json(exchange, 200, body);
    }

    private void events(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        List<OutboxQueries.OutboxEventView> page = outbox.list(ApiSupport.query(exchange, "subject"),
                ApiSupport.enumValue(exchange, "status", OutboxQueries.Status.class), ApiSupport.cursor(exchange), limit);
        ObjectNode body = Json.mapper().createObjectNode();
        ArrayNode array = body.putArray("events");
        for (OutboxQueries.OutboxEventView e : page) {
            ObjectNode node = array.addObject();
            node.put("seq", e.seq());
            node.put("event_id", e.eventId());
            node.put("subject", e.subject());
            node.put("pipeline", e.pipeline());
            node.put("model_id", e.modelId());
            node.put("event_time", e.eventTime().toString());
            node.put("fee_wei", e.feeWei().toString());
            node.put("network_usd_micros", e.networkMicros().toPlainString());
            node.put("billable_usd_micros", e.billableMicros().toPlainString());
            node.put("eth_usd_price", e.ethUsdPrice().toPlainString());
            node.put("status", e.status().name().toLowerCase());
            node.put("attempts", e.attempts());
            node.put("last_error", e.lastError());
            node.put("created_at", e.createdAt().toString());
            node.set("cloud_event", parse(e.cloudEvent()));
        }
        body.put("next_cursor", page.size() == limit ? String.valueOf(page.get(page.size() - 1).seq()) : null);
        ApiSupport.json(exchange, 200, body);
    }

    private void deadLetters(Exchange exchange) throws SQLException {
        int limit = ApiSupport.limit(exchange);
        List<DeadLetters.DeadLetterView> page = deadLetters.list(ApiSupport.cursor(exchange), limit);
        ObjectNode body = Json.mapper().createObjectNode();
        ArrayNode array = body.putArray("dead_letters");
        for (DeadLetters.DeadLetterView d : page) {
            ObjectNode node = array.addObject();
            node.put("id", d.id());
            node.put("topic", d.source().topic());
            node.put("partition", d.source().partition());
            node.put("offset", d.source().offset());
            node.put("key", d.key());
            node.put("event_id", d.eventId());
            node.put("reason", d.reason());
            String text = utf8(d.raw());
            node.put("raw", text != null ? text : Base64.getEncoder().encodeToString(d.raw()));
            node.put("raw_encoding", text != null ? "utf-8" : "base64");
            node.put("created_at", d.createdAt().toString());
        }
        body.put("next_cursor", page.size() == limit ? String.valueOf(page.get(page.size() - 1).id()) : null);
        ApiSupport.json(exchange, 200, body);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            return Json.mapper().getNodeFactory().textNode(json);
        }
    }

    private static String utf8(byte[] raw) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
