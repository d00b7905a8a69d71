package io.livepeer.clearinghouse.routes.reconcile;

import io.livepeer.clearinghouse.openmeter.WindowSize;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The scheduled outbox ↔ OpenMeter reconciliation ({@code clearinghouse.reconcile.*}), off by default. Each run checks
 * the period {@code [now − settle − window, now − settle)} (whole seconds): {@code settle} leaves time for delivery
 * and for OpenMeter's asynchronous processing, so events still on their way do not show up as drift. OpenMeter is
 * the one delivery talks to ({@code clearinghouse.openmeter.url} and {@code .token}); {@link #toString()} never
 * shows the token.
 *
 * @param enabled        whether the route runs at all
 * @param openmeterUrl   OpenMeter URL (required when enabled)
 * @param openmeterToken bearer token (secret), if any
 * @param interval       time between runs
 * @param initialDelay   time from start to the first run
 * @param window         length of the checked period
 * @param settle         how long before now the checked period ends
 * @param tolerance      allowance for amounts
 * @param meters         meters compared
 * @param requestTimeout timeout of each OpenMeter request
 * @param windowSize     per-window comparison ({@code MINUTE|HOUR|DAY}, UTC), empty for one window = the checked
 *                       period ({@code PERIOD}, the default)
 * @param listing        bounds of the events listing that tells double-counted from extra
 */
public record ReconcileSettings(
        boolean enabled,
        Optional<String> openmeterUrl,
        Optional<String> openmeterToken,
        Duration interval,
        Duration initialDelay,
        Duration window,
        Duration settle,
        Tolerance tolerance,
        ReconcileMeters meters,
        Duration requestTimeout,
        Optional<WindowSize> windowSize,
        OpenMeterReconciliation.ListingLimits listing) {

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static ReconcileSettings from(SettingsReader r) {
        boolean enabled = r.bool("clearinghouse.reconcile.enabled");
        Optional<String> url = r.optionalHttpUrl("clearinghouse.openmeter.url");
        if (enabled && url.isEmpty()) {
            throw new IllegalArgumentException(
                    "clearinghouse.reconcile.enabled is true but clearinghouse.openmeter.url (OPENMETER_URL) is not set");
        }
        Tolerance tolerance;
        try {
            tolerance = Tolerance.parse(
                    List.of(r.required("clearinghouse.reconcile.tolerance").split("[,\\s]+")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("clearinghouse.reconcile.tolerance: " + e.getMessage(), e);
        }
        ReconcileMeters meters;
        try {
            meters = new ReconcileMeters(
                    r.required("clearinghouse.reconcile.count-meter"),
                    r.required("clearinghouse.reconcile.network-meter"),
                    r.required("clearinghouse.reconcile.billable-meter"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("clearinghouse.reconcile.*-meter: " + e.getMessage(), e);
        }
        String windowSizeText = r.required("clearinghouse.reconcile.window-size");
        Optional<WindowSize> windowSize;
        try {
            windowSize = windowSize(windowSizeText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("clearinghouse.reconcile.window-size: " + e.getMessage(), e);
        }
        String listingWindows = r.required("clearinghouse.reconcile.listing-windows");
        String listingPages = r.required("clearinghouse.reconcile.listing-pages");
        OpenMeterReconciliation.ListingLimits listing;
        try {
            listing = new OpenMeterReconciliation.ListingLimits(
                    Integer.parseInt(listingWindows.trim()), Integer.parseInt(listingPages.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "clearinghouse.reconcile.listing-windows / listing-pages: " + e.getMessage(), e);
        }
        return new ReconcileSettings(
                enabled,
                url,
                r.optional("clearinghouse.openmeter.token"),
                positive(r, "clearinghouse.reconcile.interval"),
                r.duration("clearinghouse.reconcile.initial-delay"),
                wholeSeconds(r, "clearinghouse.reconcile.window", true),
                wholeSeconds(r, "clearinghouse.reconcile.settle", false),
                tolerance,
                meters,
                positive(r, "clearinghouse.reconcile.request-timeout"),
                windowSize,
                listing);
    }

    /**
     * Reads a window size: {@code PERIOD} (one window = the period) or {@code MINUTE|HOUR|DAY}, any case.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Optional<WindowSize> windowSize(String text) {
        if (text != null && text.trim().equalsIgnoreCase("PERIOD")) {
            return Optional.empty();
        }
        try {
            return Optional.of(WindowSize.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be PERIOD, MINUTE, HOUR or DAY, got '" + text + "'");
        }
    }

    private static Duration positive(SettingsReader r, String key) {
        Duration d = r.duration(key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }

    private static Duration wholeSeconds(SettingsReader r, String key, boolean positive) {
        Duration d = r.duration(key);
        if (d.isNegative() || positive && d.isZero() || d.getNano() != 0) {
            throw new IllegalArgumentException(
                    key + " must be " + (positive ? "a positive" : "a") + " whole number of seconds, got " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "ReconcileSettings[" + (enabled ? "every " + interval : "off") + ", window " + window + " ending "
                + settle + " before now, tolerance " + tolerance + ", meters " + meters.events() + "/"
                + meters.network() + "/" + meters.billable()
                + ", windows " + windowSize.map(Enum::name).orElse("PERIOD")
                + openmeterUrl.map(u -> ", OpenMeter " + SettingsReader.host(u)).orElse("")
                + (openmeterToken.isPresent() ? " (token set)" : "") + "]";
    }
}
