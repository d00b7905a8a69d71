package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.bridge.SpendLeases;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.spend.AlertStore;
import io.livepeer.clearinghouse.ledger.spend.GroupCommit;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.markup.MarkupRule;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.routes.core.ScheduledRoute;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spend control flow (issue 13, {@code docs/spend-control.md}): binds {@link SpendControl} (which the bridge's
 * {@code /authorize} finds by type), the spend API ({@link SpendApiRoutes}), the {@code spend-hold-expiry} timer
 * that expires holds past their time, reservations' group commit ({@link GroupCommit}, closed with the context), the
 * {@code spend-held-reconcile} check of the running open-hold totals, the {@link SpendHealthCheck} and {@link SpendMetrics}, and the customer alerts ({@link CustomerAlerts}: the
 * {@code spend-customer-alerts} evaluation and {@code spend-alert-delivery} webhook jobs, {@code GET /api/alerts}). Runs before the bridge.
 * With {@code clearinghouse.spend.lease.enabled} (and reservations on), budget leases ({@link SpendLeases}) with
 * their background sync, stopped (holds written, leases given back) with the context.
 * Holds are priced with the price flow's {@link PriceService} and the largest markup of the metering catalog.
 */
public final class SpendConfiguration implements CamelConfiguration {

    /** The route id of the hold expiry job. */
    public static final String EXPIRY_ROUTE_ID = "spend-hold-expiry";

    /**
     * Re-measures the metering lag every {@code clearinghouse.spend.refresh}, so the health check and the metrics
     * read a fresh value without touching the database themselves (a hanging database must not hang
     * {@code /observe/health} or a scrape).
     */
    public static final String LAG_ROUTE_ID = "spend-lag-refresh";

    /**
     * Checks (and repairs) the customers' running open-hold totals against their open holds every
     * {@code clearinghouse.spend.held-reconcile-interval}; drifts are logged at WARN and counted in
     * {@code clearinghouse_spend_held_drift_customers}.
     */
    public static final String RECONCILE_ROUTE_ID = "spend-held-reconcile";

    /** go-livepeer's webhook timeout: a reservation not decided by then is answered 503 (the signer gave up). */
    private static final long SIGNER_WEBHOOK_TIMEOUT_MS = 5_000;

    /** The route id of the customer alert evaluation job. */
    public static final String ALERTS_ROUTE_ID = "spend-customer-alerts";

    /** The route id of the customer alert webhook delivery job. */
    public static final String ALERT_DELIVERY_ROUTE_ID = "spend-alert-delivery";

    private static final Logger LOG = LoggerFactory.getLogger(SpendConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        SpendSettings settings = Beans.bind(context, SpendSettings.from(SettingsReader.of(context)));
        LOG.info("Spend control: {}", settings);
        Clock clock = Beans.require(context, Clock.class);
        SpendStore store =
                new SpendStore(Beans.require(context, Database.class), Beans.require(context, Ledger.class), clock);
        PriceService price = context.getRegistry().findSingleByType(PriceService.class);
        Catalog catalog = context.getRegistry().findSingleByType(Catalog.class);
        BigDecimal markup = catalog == null
                ? BigDecimal.ZERO
                : catalog.markupRules().stream()
                        .map(MarkupRule::percent)
                        .max(BigDecimal::compareTo)
                        .orElse(BigDecimal.ZERO)
                        .max(BigDecimal.ZERO);
        GroupCommit groupCommit = null;
        if (settings.policy().reservations() && settings.groupCommitLanes() > 0) {
            GroupCommit lanes = new GroupCommit(
                    store, settings.groupCommitLanes(), settings.groupCommitBatch(), SIGNER_WEBHOOK_TIMEOUT_MS);
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    lanes.close();
                }
            });
            groupCommit = lanes;
        }
        SpendControl spend = Beans.bind(
                context,
                new SpendControl(
                        store,
                        groupCommit,
                        settings.policy(),
                        clock,
                        () -> price == null ? Optional.empty() : price.current().map(PriceQuote::usdPerEth),
                        () -> markup));
        if (settings.policy().reservations() && settings.leases() != null) {
            SpendLeases leases = spend.startLeases(settings.leases(), true);
            // closed as soon as the context starts stopping, while the database is still open: pending holds are
            // written and the leases given back (from then on every reservation takes the database path)
            context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
                @Override
                public void notify(CamelEvent event) {
                    if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                        leases.close();
                    }
                }
            });
        }
        SpendMetrics metrics =
                Beans.bind(context, new SpendMetrics(Beans.require(context, PrometheusMeterRegistry.class), spend));
        context.addRoutes(new SpendApiRoutes(spend, metrics, Beans.require(context, ApiAuth.class)));
        context.addRoutes(new ScheduledRoute(EXPIRY_ROUTE_ID, Duration.ZERO, settings.expiryInterval(), () -> {
            int expired = spend.expireHolds();
            metrics.expired(expired);
            metrics.pauses(store.activePauses().size());
            return expired;
        }));
        context.addRoutes(new ScheduledRoute(
                RECONCILE_ROUTE_ID, settings.reconcileInterval(), settings.reconcileInterval(), () -> {
                    List<SpendStore.HeldDrift> drifts = store.reconcileHeld();
                    metrics.heldDrift(drifts.size());
                    drifts.forEach(d -> LOG.warn(
                            "spend control: the running open-hold total of {} was {} USD micros, its open holds sum"
                                    + " to {}: repaired",
                            d.customerKey(),
                            d.runningTotal().toPlainString(),
                            d.openHolds().toPlainString()));
                    return drifts.size();
                }));
        context.addRoutes(new ScheduledRoute(
                LAG_ROUTE_ID,
                Duration.ZERO,
                settings.policy().refresh(),
                () -> spend.meteringLag().toSeconds()));
        HealthCheckRegistry.get(context).register(new SpendHealthCheck(spend));

        AlertSettings alertSettings = AlertSettings.from(SettingsReader.of(context));
        LOG.info("Customer alerts: {}", alertSettings);
        CustomerAlerts alerts = Beans.bind(
                context,
                new CustomerAlerts(
                        new AlertStore(Beans.require(context, Database.class), clock), alertSettings, clock));
        context.addRoutes(new AlertApiRoutes(alerts, Beans.require(context, ApiAuth.class)));
        context.addRoutes(
                new ScheduledRoute(ALERTS_ROUTE_ID, Duration.ZERO, alertSettings.interval(), alerts::evaluate));
        context.addRoutes(new ScheduledRoute(
                ALERT_DELIVERY_ROUTE_ID,
                alertSettings.deliveryInterval(),
                alertSettings.deliveryInterval(),
                alerts::deliver));
    }
}
