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
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
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
        context.addRoutes(new ApiKeyRoutes(keys, keyVerifier, Beans.require(context, ApiAuth.class), clock));
        if (settings.signerUrl().isPresent()) {
            context.addRoutes(new SignerProbeRoute(settings, signer, clock));
            HealthCheckRegistry.get(context)
                    .register(new SignerHealthCheck(signer, settings.signerUrl().get()));
        }
    }
}
