package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code clearinghouse.bridge.*} configuration (reference: {@code docs/configuration.md},
 * {@code docs/signer-bridge.md}). Checked at start-up; {@link #toString()} hides the secret.
 *
 * @param webhookSecret       what the signer must send, empty = the webhook refuses
 * @param authMode            {@code api_key} or {@code oidc}
 * @param expiryTtl           how long an allow is cached by the signer
 * @param balanceFloor        balance (USD micros) a customer must be above
 * @param apiKeyPrefix        prefix of issued keys
 * @param keyCacheTtl         how long a key lookup is reused
 * @param oidcIssuer          OIDC issuer
 * @param oidcAudiences       accepted audiences
 * @param oidcJwksUri         JWKS URL
 * @param oidcClientClaim     claim with the client id
 * @param oidcSubjectClaim    claim with the user
 * @param oidcSubjectType     usage subject type of OIDC users
 * @param oidcRequiredScopes  scopes required
 * @param signerUrl           signer base URL to probe, or empty
 * @param signerProbeInterval probe period
 */
public record BridgeSettings(
        Optional<String> webhookSecret,
        String authMode,
        Duration expiryTtl,
        BigDecimal balanceFloor,
        String apiKeyPrefix,
        Duration keyCacheTtl,
        Optional<String> oidcIssuer,
        Set<String> oidcAudiences,
        Optional<String> oidcJwksUri,
        String oidcClientClaim,
        String oidcSubjectClaim,
        String oidcSubjectType,
        Set<String> oidcRequiredScopes,
        Optional<String> signerUrl,
        Duration signerProbeInterval) {

    /**
     * @throws IllegalArgumentException naming the key of a bad value (e.g. OIDC mode without issuer)
     */
    public static BridgeSettings from(SettingsReader r) {
        String mode = r.required("clearinghouse.bridge.auth-mode").toLowerCase().replace('-', '_');
        if (!mode.equals("api_key") && !mode.equals("oidc")) {
            throw new IllegalArgumentException("clearinghouse.bridge.auth-mode must be api_key or oidc, got " + mode);
        }
        BridgeSettings s = new BridgeSettings(
                r.optional("clearinghouse.bridge.webhook-secret"),
                mode,
                r.duration("clearinghouse.bridge.expiry-ttl"),
                r.decimal("clearinghouse.bridge.balance-floor-usd-micros"),
                r.required("clearinghouse.bridge.api-key-prefix"),
                r.duration("clearinghouse.bridge.key-cache-ttl"),
                r.optional("clearinghouse.bridge.oidc.issuer"),
                r.list("clearinghouse.bridge.oidc.audience"),
                r.optional("clearinghouse.bridge.oidc.jwks-uri"),
                r.required("clearinghouse.bridge.oidc.client-claim"),
                r.required("clearinghouse.bridge.oidc.subject-claim"),
                r.required("clearinghouse.bridge.oidc.subject-type"),
                r.list("clearinghouse.bridge.oidc.required-scopes"),
                r.optional("clearinghouse.bridge.signer-url").map(u -> u.replaceAll("/+$", "")),
                r.duration("clearinghouse.bridge.signer-probe-interval"));
        if (mode.equals("oidc")
                && (s.oidcIssuer().isEmpty()
                        || s.oidcJwksUri().isEmpty()
                        || s.oidcAudiences().isEmpty())) {
            throw new IllegalArgumentException("auth mode oidc needs clearinghouse.bridge.oidc.issuer, .audience and"
                    + " .jwks-uri (OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URI)");
        }
        if (s.apiKeyPrefix().contains(":") || s.apiKeyPrefix().length() > 16) {
            throw new IllegalArgumentException("clearinghouse.bridge.api-key-prefix must be short and without ':'");
        }
        return s;
    }

    @Override
    public String toString() {
        return "BridgeSettings[mode=" + authMode + ", webhook secret " + (webhookSecret.isPresent() ? "set" : "NOT set")
                + ", ttl=" + expiryTtl + ", floor=" + balanceFloor.toPlainString()
                + (authMode.equals("oidc") ? ", issuer=" + oidcIssuer.orElse("") : "")
                + ", signer=" + signerUrl.orElse("not probed") + "]";
    }
}
