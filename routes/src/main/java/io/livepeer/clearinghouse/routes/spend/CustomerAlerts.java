package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.ledger.spend.AlertStore;
import io.livepeer.clearinghouse.ledger.spend.AlertStore.Alert;
import io.livepeer.clearinghouse.ledger.spend.AlertStore.Rule;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Customer alerts (issue 13, {@code docs/spend-control.md#customer-alerts}): evaluates the configured thresholds
 * against the ledger ({@link #evaluate}, one crossing row per threshold crossing via {@link AlertStore}) and delivers
 * each new alert to the operator's webhook ({@link #deliver}): {@code POST} of the alert's JSON with
 * {@code X-Clearinghouse-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>}, retried with
 * exponential backoff ({@code retryInitial × 2^(attempt−1)}, at most {@code retryMax}) until a 2xx or
 * {@code maxAttempts}; every attempt is a row of the delivery log. The secret is never logged.
 */
public final class CustomerAlerts {

    /** Signature header: {@code sha256=} and the lowercase hex HMAC-SHA256 of the raw body. */
    public static final String SIGNATURE_HEADER = "X-Clearinghouse-Signature";
    /** The alert id ({@code alert-<n>}), the same on every retry: receivers de-duplicate by it. */
    public static final String ALERT_ID_HEADER = "X-Clearinghouse-Alert-Id";

    private static final Logger LOG = LoggerFactory.getLogger(CustomerAlerts.class);

    private final AlertStore store;
    private final AlertSettings settings;
    private final Clock clock;
    private final HttpClient http;
    private volatile boolean offCleared;

    public CustomerAlerts(AlertStore store, AlertSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    /** The store (for the API). */
    public AlertStore store() {
        return store;
    }

    /** The settings. */
    public AlertSettings settings() {
        return settings;
    }

    /**
     * One evaluation of every rule; a rule that is off clears its active crossings. With no rule on, only the first
     * call touches the database (to clear crossings a previous configuration left active).
     *
     * @return alerts fired
     */
    public int evaluate() throws SQLException {
        if (!settings.enabled()) {
            // no rule on (the default): clear what an earlier configuration left active once, then touch nothing
            if (!offCleared) {
                for (Rule rule : Rule.values()) {
                    clear(rule);
                }
                offCleared = true;
            }
            return 0;
        }
        int fired = 0;
        fired += settings.balanceBelow()
                .map(t -> record(Rule.BALANCE_BELOW, t, () -> store.balancesBelow(t)))
                .orElseGet(() -> clear(Rule.BALANCE_BELOW));
        fired += settings.spendAbove()
                .map(t -> record(Rule.SPEND_ABOVE, t, () -> store.spendAbove(settings.spendWindow(), t)))
                .orElseGet(() -> clear(Rule.SPEND_ABOVE));
        fired += settings.usageStoppedAfter()
                .map(q -> record(
                        Rule.USAGE_STOPPED,
                        BigDecimal.valueOf(q.toSeconds()),
                        () -> store.usageStopped(q, settings.activeWindow(), settings.activeMinEvents())))
                .orElseGet(() -> clear(Rule.USAGE_STOPPED));
        return fired;
    }

    private interface Observe {
        java.util.List<AlertStore.Observation> get() throws SQLException;
    }

    private int record(Rule rule, BigDecimal threshold, Observe observe) {
        try {
            AlertStore.Evaluation e = store.record(rule, threshold, observe.get());
            if (e.fired() > 0 || e.cleared() > 0) {
                LOG.info("Customer alerts {}: {} fired, {} cleared (re-armed)", rule, e.fired(), e.cleared());
            }
            return e.fired();
        } catch (SQLException e) {
            throw new IllegalStateException("customer alert rule " + rule + " could not be evaluated", e);
        }
    }

    private int clear(Rule rule) {
        try {
            store.clearAll(rule);
            return 0;
        } catch (SQLException e) {
            throw new IllegalStateException("customer alert rule " + rule + " could not be cleared", e);
        }
    }

    /**
     * Sends the alerts whose attempt is due (claimed so one instance sends each attempt).
     *
     * @return alerts delivered in this round
     */
    public int deliver() throws SQLException {
        if (settings.webhookUrl().isEmpty()) {
            return 0;
        }
        int delivered = 0;
        for (Alert alert : store.claimDue(50, settings.timeout().multipliedBy(2))) {
            delivered += send(alert) ? 1 : 0;
        }
        return delivered;
    }

    private boolean send(Alert alert) throws SQLException {
        int attempt = alert.attempts() + 1;
        Integer status = null;
        String error = null;
        try {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create(settings.webhookUrl().get()))
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .header(SIGNATURE_HEADER, signature(settings.secret(), alert.payload()))
                    .header(ALERT_ID_HEADER, "alert-" + alert.id())
                    .POST(HttpRequest.BodyPublishers.ofString(alert.payload(), StandardCharsets.UTF_8))
                    .build();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
            if (status / 100 != 2) {
                error = "HTTP " + status;
            }
        } catch (java.io.IOException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        boolean ok = error == null;
        Optional<Instant> retryAt = ok || attempt >= settings.maxAttempts()
                ? Optional.empty()
                : Optional.of(clock.instant().plus(backoff(attempt)));
        store.recordAttempt(alert.id(), attempt, status, error, ok, retryAt);
        if (!ok) {
            LOG.warn(
                    "Customer alert alert-{} ({} {}) attempt {} not delivered to {}: {}{}",
                    alert.id(),
                    alert.rule(),
                    alert.customerKey(),
                    attempt,
                    io.livepeer.clearinghouse.routes.core.SettingsReader.host(
                            settings.webhookUrl().get()),
                    error,
                    retryAt.map(t -> "; retry at " + t).orElse("; giving up"));
        }
        return ok;
    }

    /** {@code retryInitial × 2^(attempt−1)}, at most {@code retryMax}. */
    Duration backoff(int attempt) {
        Duration d = settings.retryInitial();
        for (int i = 1; i < attempt && d.compareTo(settings.retryMax()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : d;
    }

    /** {@code sha256=} + lowercase hex HMAC-SHA256 of the UTF-8 body under the secret. */
    public static String signature(String secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
