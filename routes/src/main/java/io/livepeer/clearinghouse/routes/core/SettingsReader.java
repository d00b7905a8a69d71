package io.livepeer.clearinghouse.routes.core;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

/**
 * The one way every flow reads its settings: typed getters over Camel's properties component
 * ({@code application.properties}, then {@code application-<profile>.properties}, then environment variables, then
 * override properties). Defaults live only in {@code application.properties}: a key that is missing or blank there and
 * everywhere else is either {@link #optional} by design or fails the start with {@code "<key> is required"}. Every
 * malformed value fails the start with a message that names the key and never echoes a URL's secrets.
 */
public final class SettingsReader {

    private final PropertiesComponent properties;

    private SettingsReader(PropertiesComponent properties) {
        this.properties = properties;
    }

    /** A reader over the context's properties. */
    public static SettingsReader of(CamelContext context) {
        return new SettingsReader(context.getPropertiesComponent());
    }

    /** The trimmed value, empty when unset or blank. */
    public Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** @throws IllegalArgumentException {@code "<key> is required"} when unset or blank */
    public String required(String key) {
        return optional(key).orElseThrow(() -> new IllegalArgumentException(key + " is required"));
    }

    /** A whole number above zero. */
    public int positiveInt(String key) {
        String value = required(key);
        try {
            int parsed = Integer.parseInt(value);
            if (parsed <= 0) {
                throw new IllegalArgumentException(key + " must be positive, got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'");
        }
    }

    /** {@code true} or {@code false} (any case). */
    public boolean bool(String key) {
        String value = required(key).toLowerCase();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    /** A duration in Camel's form ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, plain milliseconds) or ISO-8601. */
    public Duration duration(String key) {
        String value = required(key);
        try {
            return value.startsWith("P") || value.startsWith("p")
                    ? Duration.parse(value)
                    : Duration.ofMillis(TimeUtils.toMilliSeconds(value));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    key + " must be a duration such as 500ms, 30s, 5m or PT5M, got '" + value + "'");
        }
    }

    /** Any decimal number (exact). */
    public BigDecimal decimal(String key) {
        return decimal(key, required(key));
    }

    /** An optional decimal above zero (exact). */
    public Optional<BigDecimal> optionalPositiveDecimal(String key) {
        return optional(key).map(v -> {
            BigDecimal decimal = decimal(key, v);
            if (decimal.signum() <= 0) {
                throw new IllegalArgumentException(key + " must be positive, got " + v);
            }
            return decimal;
        });
    }

    /** An optional http(s) URL; the error names the key and shows at most the URL's scheme and host. */
    public Optional<String> optionalHttpUrl(String key) {
        return optional(key).map(v -> httpUrl(key, v));
    }

    /** A comma- or space-separated list, empty when unset. */
    public Set<String> list(String key) {
        Set<String> values = new LinkedHashSet<>();
        optional(key)
                .ifPresent(v -> Arrays.stream(v.split("[,\\s]+"))
                        .filter(s -> !s.isBlank())
                        .forEach(values::add));
        return java.util.Collections.unmodifiableSet(values);
    }

    /** Scheme and authority only: safe to log for URLs that may carry keys in their query or credentials. */
    public static String host(String url) {
        try {
            URI uri = URI.create(url);
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        } catch (IllegalArgumentException e) {
            return "<unparseable URL>";
        }
    }

    private static BigDecimal decimal(String key, String value) {
        try {
            return new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a decimal number, got '" + value + "'");
        }
    }

    private static String httpUrl(String key, String value) {
        String url = value.trim();
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " is not a valid URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException(key + " must be an http(s) URL, got " + host(url));
        }
        return url;
    }
}
