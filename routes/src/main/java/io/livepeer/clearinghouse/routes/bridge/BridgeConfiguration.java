package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.ApiKeys;
import io.livepeer.clearinghouse.bridge.Authorizer;
import io.livepeer.clearinghouse.bridge.CredentialVerifier;
import io.livepeer.clearinghouse.bridge.OidcVerifier;
import io.livepeer.clearinghouse.bridge.SignerStatus;
import io.livepeer.clearinghouse.bridge.SpendControl;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.routes.core.Beans;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.http.ApiAuth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.function.Predicate;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.eventnotifier.MicrometerExchangeEventNotifier;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.EventNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signer bridge flow: go-livepeer's {@code /authorize} webhook ({@link SignerBridgeRoutes}), API key management
 * ({@link ApiKeyRoutes}) and, with {@code SIGNER_URL}, the signer probe ({@link SignerProbeRoute},
 * {@link SignerHealthCheck}). Binds {@link BridgeServices}.
 */
public final class BridgeConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        BridgeSettings settings = BridgeSettings.from(SettingsReader.of(context));
        LOG.info("Signer bridge: {}", settings);
        if (settings.webhookSecret().isEmpty()) {
            LOG.warn("WEBHOOK_SECRET is not set: POST /authorize refuses every call");
        }
        Clock clock = Beans.require(context, Clock.class);
        Ledger ledger = Beans.require(context, Ledger.class);
        ApiKeys keys = new ApiKeys(Beans.require(context, Database.class), clock, settings.apiKeyPrefix());
        ApiKeyVerifier keyVerifier = new ApiKeyVerifier(keys, clock, settings.keyCacheTtl());
        CredentialVerifier verifier = settings.authMode().equals("oidc")
                ? new OidcVerifier(new OidcVerifier.Config(
                        settings.oidcIssuer().orElseThrow(),
                        settings.oidcAudiences(),
                        settings.oidcJwksUri().orElseThrow(),
                        settings.oidcClientClaim(),
                        settings.oidcSubjectClaim(),
                        settings.oidcSubjectType(),
                        settings.oidcRequiredScopes()))
                : keyVerifier;
        Authorizer authorizer = new Authorizer(
                verifier,
                customer -> ledger.account(AccountKeys.customer(customer)).map(Account::balance),
                clock,
                settings.expiryTtl(),
                settings.balanceFloor(),
                // spend control (kill switch, lag policy, reservations), bound by the spend flow when it runs
                context.getRegistry().findSingleByType(SpendControl.class));
        SignerStatus signer = new SignerStatus();
        BridgeServices bridge = Beans.bind(
                context,
                new BridgeServices(
                        settings,
                        keys,
                        keyVerifier,
                        authorizer,
                        signer,
                        new BridgeMetrics(
                                Beans.require(context, PrometheusMeterRegistry.class),
                                keyVerifier,
                                signer,
                                settings.signerUrl().isPresent())));

        context.addRoutes(new SignerBridgeRoutes(authorizer, settings.webhookSecret(), bridge.metrics()));
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // the metrics configuration adds its event notifiers while the context starts
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                skipExchangeEventMeters(started, SignerBridgeRoutes.ROUTE_ID);
            }
        });
        context.addRoutes(new ApiKeyRoutes(keys, keyVerifier, Beans.require(context, ApiAuth.class), clock));
        if (settings.signerUrl().isPresent()) {
            context.addRoutes(new SignerProbeRoute(settings, signer, clock));
            HealthCheckRegistry.get(context)
                    .register(new SignerHealthCheck(signer, settings.signerUrl().get()));
        }
    }

    /**
     * Leaves a route's exchanges out of Camel's Micrometer exchange event notifier
     * ({@code camel.metrics.enableExchangeEventNotifier}): on every exchange's completion it looks its
     * {@code camel.exchanges.last.timestamp} gauge up with {@code MeterRegistry.find}, which copies the list of every
     * meter of the registry (profiled: about 11 % of the HTTP event loop's CPU and 5 % of all allocation at 1,000
     * {@code /authorize} calls/s). The route's own meters ({@code camel_exchanges_total}, {@code _failed_total} and
     * the route timer, from the route policy, which the dashboards and alerts read) and the decision metrics of
     * {@link BridgeMetrics} are unchanged; what the route no longer feeds is that notifier's
     * {@code camel_exchanges_inflight{routeId}} gauge, its per-endpoint send timers and the last-exchange timestamp.
     *
     * @return how many notifiers were told to skip the route
     */
    static int skipExchangeEventMeters(CamelContext context, String routeId) {
        int n = 0;
        for (EventNotifier notifier : context.getManagementStrategy().getEventNotifiers()) {
            if (notifier instanceof MicrometerExchangeEventNotifier meters) {
                Predicate<Exchange> before = meters.getIgnoreExchanges();
                meters.setIgnoreExchanges(before.or(e -> routeId.equals(e.getFromRouteId())));
                n++;
            }
        }
        return n;
    }
}
