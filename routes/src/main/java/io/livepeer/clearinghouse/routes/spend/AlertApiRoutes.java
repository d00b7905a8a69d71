package io.livepeer.clearinghouse.routes.spend;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.livepeer.clearinghouse.ledger.spend.AlertStore;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.livepeer.clearinghouse.routes.http.ApiAuth.Role;
import io.livepeer.clearinghouse.routes.http.ApiRouteBuilder;
import io.livepeer.clearinghouse.routes.http.ApiSupport;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * {@code GET /api/alerts?customer_key=&limit=} (viewer or admin token): customer alerts, newest first, each with its
 * webhook delivery log (reference: {@code docs/api.md}, {@code docs/spend-control.md#customer-alerts}).
 */
public final class AlertApiRoutes extends ApiRouteBuilder {

    /** One delivery attempt: {@code http_status} null when the receiver did not answer. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record DeliveryView(int attempt, Instant attemptedAt, Integer httpStatus, String outcome, String error) {}

    /**
     * One alert (threshold crossing). {@code active}: the condition still holds (no new alert for this rule and
     * customer until it clears). Values are USD micros, or seconds for {@code usage_stopped}, as decimal strings.
     */
    @JsonNaming(SnakeCaseStrategy.class)
    public record AlertView(
            String id,
            String type,
            String customerKey,
            String observed,
            String threshold,
            Instant firedAt,
            boolean active,
            Instant clearedAt,
            String deliveryStatus,
            int attempts,
            Instant nextAttemptAt,
            Instant deliveredAt,
            List<DeliveryView> deliveries) {}

    /** {@code GET /api/alerts}. */
    public record AlertList(List<AlertView> alerts) {}

    private final AlertStore store;

    public AlertApiRoutes(CustomerAlerts alerts, ApiAuth auth) {
        super(auth);
        this.store = alerts.store();
    }

    @Override
    public void configure() {
        rest("/api/alerts")
                .description("Customer alerts: threshold crossings and their signed webhook deliveries")
                .get()
                .id("api-alerts")
                .description("Customer alerts, newest first, with their delivery log")
                .param(query("customer_key", "string", "only this customer's"))
                .param(limit())
                .outType(AlertList.class)
                .to(direct("api-alerts"));
        api("api-alerts", Role.VIEWER).process(this::list);
    }

    private void list(Exchange exchange) throws SQLException {
        String customer = ApiSupport.query(exchange, "customer_key");
        int limit = ApiSupport.limit(exchange);
        List<AlertStore.Alert> alerts =
                store.alerts(customer == null || customer.isBlank() ? null : customer.trim(), limit);
        Map<Long, List<AlertStore.Delivery>> deliveries =
                store.deliveries(alerts.stream().map(AlertStore.Alert::id).toList());
        ApiSupport.respond(
                exchange,
                200,
                new AlertList(alerts.stream()
                        .map(a -> new AlertView(
                                "alert-" + a.id(),
                                a.rule().name().toLowerCase(Locale.ROOT),
                                a.customerKey(),
                                plain(a.observed()),
                                plain(a.threshold()),
                                a.firedAt(),
                                a.clearedAt() == null,
                                a.clearedAt(),
                                a.deliveryStatus().name().toLowerCase(Locale.ROOT),
                                a.attempts(),
                                a.nextAttemptAt(),
                                a.deliveredAt(),
                                deliveries.getOrDefault(a.id(), List.of()).stream()
                                        .map(d -> new DeliveryView(
                                                d.attempt(), d.attemptedAt(), d.httpStatus(), d.outcome(), d.error()))
                                        .toList()))
                        .toList()));
    }

    private static String plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
