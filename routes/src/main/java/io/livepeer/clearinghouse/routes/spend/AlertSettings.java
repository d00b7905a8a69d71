package io.livepeer.clearinghouse.routes.spend;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code clearinghouse.spend.alerts.*} configuration (reference: {@code docs/configuration.md},
 * {@code docs/spend-control.md#customer-alerts}). A rule is on when its threshold is set. {@link #toString()} never
 * shows the secret.
 *
 * @param webhookUrl        where alerts are POSTed (required when any rule is on)
 * @param secret            the HMAC-SHA256 key (from {@code secret-file}, else {@code secret})
 * @param balanceBelow      balance threshold, USD micros
 * @param spendAbove        spend threshold within {@code spendWindow}, USD micros
 * @param spendWindow       the spend window
 * @param usageStoppedAfter silence after steady use that raises {@code usage_stopped}
 * @param activeWindow      the window before the silence in which the customer must have been active
 * @param activeMinEvents   usage events within {@code activeWindow} that count as steady use
 * @param interval          evaluation period
 * @param deliveryInterval  how often due deliveries are attempted
 * @param retryInitial      first retry delay (doubles each attempt)
 * @param retryMax          largest retry delay
 * @param maxAttempts       attempts before an alert's delivery is FAILED
 * @param timeout           connect and request timeout of one attempt
 */
public record AlertSettings(
        Optional<String> webhookUrl,
        String secret,
        Optional<BigDecimal> balanceBelow,
        Optional<BigDecimal> spendAbove,
        Duration spendWindow,
        Optional<Duration> usageStoppedAfter,
        Duration activeWindow,
        int activeMinEvents,
        Duration interval,
        Duration deliveryInterval,
        Duration retryInitial,
        Duration retryMax,
        int maxAttempts,
        Duration timeout) {

    private static final String P = "clearinghouse.spend.alerts.";

    /** Whether any rule is on. */
    public boolean enabled() {
        return balanceBelow.isPresent() || spendAbove.isPresent() || usageStoppedAfter.isPresent();
    }

    /** @throws IllegalArgumentException naming the key of a bad or missing value (never showing the secret) */
    public static AlertSettings from(SettingsReader r) {
        Optional<BigDecimal> balance = r.optional(P + "balance-below-usd-micros")
                .map(v -> {
                    try {
                        return new BigDecimal(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                P + "balance-below-usd-micros must be a number, got '" + v + "'");
                    }
                });
        Optional<BigDecimal> spend = r.optionalPositiveDecimal(P + "spend-above-usd-micros");
        Optional<Duration> stopped =
                r.optional(P + "usage-stopped-after").map(v -> r.duration(P + "usage-stopped-after"));
        Optional<String> url = r.optionalHttpUrl(P + "webhook-url");
        String secret = r.optional(P + "secret-file")
                .map(f -> {
                    try {
                        return Files.readString(Path.of(f), StandardCharsets.UTF_8)
                                .trim();
                    } catch (IOException e) {
                        throw new IllegalArgumentException(P + "secret-file cannot be read: " + f);
                    }
                })
                .or(() -> r.optional(P + "secret"))
                .orElse("");
        AlertSettings s = new AlertSettings(
                url,
                secret,
                balance,
                spend,
                r.duration(P + "spend-window"),
                stopped,
                r.duration(P + "usage-active-window"),
                r.positiveInt(P + "usage-active-min-events"),
                r.duration(P + "interval"),
                r.duration(P + "delivery-interval"),
                r.duration(P + "retry-initial"),
                r.duration(P + "retry-max"),
                r.positiveInt(P + "max-attempts"),
                r.duration(P + "timeout"));
        if (s.enabled() && url.isEmpty()) {
            throw new IllegalArgumentException(P + "webhook-url is required when an alert threshold is set");
        }
        if (url.isPresent() && secret.isEmpty()) {
            throw new IllegalArgumentException(
                    P + "secret-file (or " + P + "secret) is required with " + P + "webhook-url: alerts are signed");
        }
        for (Duration d : new Duration[] {s.interval, s.deliveryInterval, s.retryInitial, s.retryMax, s.timeout}) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(
                        P + "interval, delivery-interval, retry-initial, retry-max and" + " timeout must be positive");
            }
        }
        return s;
    }

    @Override
    public String toString() {
        return "AlertSettings[webhook=" + webhookUrl.map(SettingsReader::host).orElse("none") + ", balance below "
                + balanceBelow.map(BigDecimal::toPlainString).orElse("off") + ", spend above "
                + spendAbove.map(BigDecimal::toPlainString).orElse("off") + " per " + spendWindow
                + ", usage stopped after "
                + usageStoppedAfter.map(Duration::toString).orElse("off") + " (>= "
                + activeMinEvents + " events in " + activeWindow + "), every " + interval + ", retries "
                + retryInitial + ".." + retryMax + " x" + maxAttempts + "]";
    }
}
