package io.livepeer.clearinghouse.routes.bridge;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

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
public record BridgeSettings(Optional<String> webhookSecret, String authMode, Duration expiryTtl,
                             BigDecimal balanceFloor, String apiKeyPrefix, Duration keyCacheTtl,
                             Optional<String> oidcIssuer, Set<String> oidcAudiences, Optional<String> oidcJwksUri,
                             String oidcClientClaim, String oidcSubjectClaim, String oidcSubjectType,
                             Set<String> oidcRequiredScopes, Optional<String> signerUrl,
                             Duration signerProbeInterval) {

    /**
     * @throws IllegalArgumentException naming the key of a bad value (e.g. OIDC mode without issuer)
     */
    public static BridgeSettings from(CamelContext context) {
        PropertiesComponent p = context.getPropertiesComponent();
        String mode = get(p, "clearinghouse.bridge.auth-mode").orElse("api_key").toLowerCase().replace('-', '_');
        if (!mode.equals("api_key") && !mode.equals("oidc")) {
            throw new IllegalArgumentException("clearinghouse.bridge.auth-mode must be api_key or oidc, got " + mode);
        }
        BridgeSettings s = new BridgeSettings(
                get(p, "clearinghouse.bridge.webhook-secret"),
                mode,
                duration(p, "clearinghouse.bridge.expiry-ttl", "60s"),
                decimal(p, "clearinghouse.bridge.balance-floor-usd-micros"),
                get(p, "clearinghouse.bridge.api-key-prefix").orElse("sk_live_"),
                duration(p, "clearinghouse.bridge.key-cache-ttl", "30s"),
                get(p, "clearinghouse.bridge.oidc.issuer"),
                list(p, "clearinghouse.bridge.oidc.audience"),
                get(p, "clearinghouse.bridge.oidc.jwks-uri"),
                get(p, "clearinghouse.bridge.oidc.client-claim").orElse("azp"),
                get(p, "clearinghouse.bridge.oidc.subject-claim").orElse("sub"),
                get(p, "clearinghouse.bridge.oidc.subject-type").orElse("oidc_user"),
                list(p, "clearinghouse.bridge.oidc.required-scopes"),
                get(p, "clearinghouse.bridge.signer-url").map(u -> u.replaceAll("/+$", "")),
                duration(p, "clearinghouse.bridge.signer-probe-interval", "30s"));
        if (mode.equals("oidc") && (s.oidcIssuer().isEmpty() || s.oidcJwksUri().isEmpty()
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

    private static Optional<String> get(PropertiesComponent p, String key) {
        return p.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static Set<String> list(PropertiesComponent p, String key) {
        return get(p, key).map(v -> Arrays.stream(v.split("[,\\s]+")).filter(s -> !s.isBlank())
                .collect(Collectors.toCollection(LinkedHashSet::new))).map(s -> (Set<String>) s).orElse(Set.of());
    }

    private static Duration duration(PropertiesComponent p, String key, String fallback) {
        String value = get(p, key).orElse(fallback);
        try {
            return value.startsWith("P") ? Duration.parse(value) : Duration.ofMillis(TimeUtils.toMilliSeconds(value));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a duration such as 60s, got '" + value + "'");
        }
    }

    private static BigDecimal decimal(PropertiesComponent p, String key) {
        String value = get(p, key).orElse("0");
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number of USD micros, got '" + value + "'");
        }
    }
}
