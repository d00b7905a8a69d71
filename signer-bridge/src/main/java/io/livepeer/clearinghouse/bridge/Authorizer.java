package io.livepeer.clearinghouse.bridge;

import io.livepeer.clearinghouse.processors.identity.IdentityResolver;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides the go-livepeer remote signer's {@code /authorize} webhook (DESIGN.md §7): who the gateway's customer is,
 * whether the payment session may be bound to them, and whether they have credit. Never allows on error.
 *
 * <ol>
 *   <li>The credential is {@code headers.Authorization[0]} of the request (name matched case-insensitively,
 *       {@code Bearer } stripped). Missing → 401. A {@code Signer-Auth-Id} header is ignored: identity comes only
 *       from the credential.</li>
 *   <li>The credential is verified (API key or OIDC JWT): unknown/expired → 401, revoked/insufficient scope → 403,
 *       key store or JWKS unreachable → 503.</li>
 *   <li>{@code auth_id} = {@code <client>:<subject>} ({@code <client>:owner:<user>} for app owners). If
 *       {@code state.AuthID} is already set to something else → 403 (the signer would fail the call anyway).</li>
 *   <li>The customer key (the metering subject of that auth id) must have a ledger balance above the floor → else
 *       483 {@code insufficient_balance}; the ledger unreadable → 503 {@code billing_unavailable}.</li>
 *   <li>With {@link SpendControl}: a pause of the kill switch → 403 {@code signing_paused}; metering lagging under
 *       the {@code deny} policy → 503; with reservations, the hold decides instead of the balance floor (483
 *       {@code insufficient_balance} / {@code overdraft_limit_reached}, expiry by distance from zero).</li>
 *   <li>Allowed: status 200 with {@code auth_id}, {@code expiry} = now + TTL (never after a JWT's {@code exp}) and
 *       the customer's {@code maxPrice} when one is configured.</li>
 * </ol>
 */
public final class Authorizer {

    /** Reads a customer's balance in USD micros (absent account: empty). */
    @FunctionalInterface
    public interface BalanceReader {
        Optional<BigDecimal> balance(String customerKey) throws SQLException;
    }

    private final CredentialVerifier verifier;
    private final BalanceReader balances;
    private final Clock clock;
    private final Duration ttl;
    private final BigDecimal floor;
    private final SpendControl spend;

    /**
     * @param verifier credential check
     * @param balances ledger balances
     * @param clock    clock
     * @param ttl      how long the signer may skip the webhook after an allow
     * @param floor    the balance (USD micros) must be above this to spend
     */
    public Authorizer(
            CredentialVerifier verifier, BalanceReader balances, Clock clock, Duration ttl, BigDecimal floor) {
        this(verifier, balances, clock, ttl, floor, null);
    }

    /**
     * With spend control (issue 13): the kill switch, the metering lag policy and, when its policy reserves, holds
     * instead of the plain balance gate ({@link SpendControl}).
     *
     * @param spend spend control, or null for none
     */
    public Authorizer(
            CredentialVerifier verifier,
            BalanceReader balances,
            Clock clock,
            Duration ttl,
            BigDecimal floor,
            SpendControl spend) {
        this.verifier = verifier;
        this.balances = balances;
        this.clock = clock;
        this.ttl = ttl;
        this.floor = floor;
        this.spend = spend;
    }

    /** The decision for one webhook call. */
    public Decision decide(WebhookRequest request) {
        Optional<String> authorization = request.header("Authorization");
        if (authorization.isEmpty() || authorization.get().isBlank()) {
            return Decision.deny(401, "missing_credential", "the gateway request has no Authorization header");
        }
        String credential = authorization.get().trim();
        if (credential.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
            credential = credential.substring(7).trim();
        }
        if (credential.isEmpty()) {
            return Decision.deny(401, "missing_credential", "the Authorization header holds no credential");
        }
        Verification verification;
        try {
            verification = verifier.verify(credential);
        } catch (CredentialVerifier.CredentialStoreException e) {
            return Decision.deny(503, "auth_unavailable", "credentials cannot be checked right now: " + e.getMessage());
        }
        if (verification instanceof Verification.Denied denied) {
            return Decision.deny(denied.status(), denied.code(), denied.reason());
        }
        Principal principal = ((Verification.Verified) verification).principal();
        String authId = principal.authId();
        String bound = request.stateAuthId();
        if (!bound.isEmpty() && !bound.equals(authId)) {
            return Decision.deny(
                    403,
                    "auth_id_mismatch",
                    "this payment session is bound to auth_id " + bound + " but the credential belongs to " + authId);
        }
        String customerKey = IdentityResolver.resolve(authId, null, null, principal.subjectType())
                .orElseThrow(() -> new IllegalStateException("auth id " + authId + " has no customer key"))
                .subject();
        if (spend != null) {
            try {
                Optional<io.livepeer.clearinghouse.ledger.spend.SpendStore.Pause> pause =
                        spend.pausedFor(principal.clientId(), customerKey);
                if (pause.isPresent()) {
                    var p = pause.get();
                    return Decision.deny(
                            403,
                            "signing_paused",
                            "signing is paused for "
                                    + (p.scope() == io.livepeer.clearinghouse.ledger.spend.SpendStore.Scope.ALL
                                            ? "everyone"
                                            : p.scope().name().toLowerCase(Locale.ROOT) + " " + p.target())
                                    + ": " + p.reason());
                }
                if (spend.policy().reservations()) {
                    return spend.reserve(
                            customerKey, request, principal.maxPrice(), authId, principal.credentialExpiresAt());
                }
                Optional<Decision> lagging = spend.lagRefusal();
                if (lagging.isPresent()) {
                    return lagging.get();
                }
            } catch (SQLException e) {
                return Decision.deny(503, "billing_unavailable", "the customer's balance cannot be read right now");
            }
        }
        BigDecimal balance;
        try {
            balance = balances.balance(customerKey).orElse(BigDecimal.ZERO);
        } catch (SQLException e) {
            return Decision.deny(503, "billing_unavailable", "the customer's balance cannot be read right now");
        }
        if (balance.compareTo(floor) <= 0) {
            return Decision.deny(
                    Decision.INSUFFICIENT_BALANCE,
                    "insufficient_balance",
                    "the balance of "
                            + customerKey + " (" + balance.stripTrailingZeros().toPlainString()
                            + " USD micros) is not above "
                            + floor.stripTrailingZeros().toPlainString());
        }
        Instant now = clock.instant();
        Instant expiry = now.plus(ttl);
        if (principal.credentialExpiresAt() != null
                && principal.credentialExpiresAt().isBefore(expiry)) {
            expiry = principal.credentialExpiresAt();
        }
        return new Decision(200, null, null, expiry.getEpochSecond(), authId, principal.maxPrice());
    }

    /** {@code api_key} or {@code oidc}. */
    public String mode() {
        return verifier.mode();
    }
}
