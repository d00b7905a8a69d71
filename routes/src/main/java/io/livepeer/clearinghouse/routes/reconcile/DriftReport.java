package io.livepeer.clearinghouse.routes.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.openmeter.WindowSize;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of one outbox ↔ OpenMeter reconciliation over {@code [from, to)}: per subject (customer key) and
 * measure, our delivered total, OpenMeter's, their difference and its {@link Drift} classification. Rendered as a
 * markdown table ({@link #markdown()}) or JSON ({@link #json()}); amounts are exact decimals, in JSON as strings.
 *
 * @param from      start of the period (usage time), inclusive
 * @param to        end of the period, exclusive
 * @param dialect   OpenMeter dialect queried ({@code v1} or {@code v3})
 * @param meters    the meters compared
 * @param tolerance the allowance for amounts
 * @param subjects  every subject either side has usage for, in subject order
 */
public record DriftReport(
        Instant from,
        Instant to,
        String dialect,
        ReconcileMeters meters,
        Tolerance tolerance,
        Optional<WindowSize> windowSize,
        List<SubjectDrift> subjects) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public DriftReport {
        windowSize = windowSize == null ? Optional.empty() : windowSize;
        subjects = List.copyOf(subjects);
    }

    /** A report over the whole period (one window per subject). */
    public DriftReport(
            Instant from,
            Instant to,
            String dialect,
            ReconcileMeters meters,
            Tolerance tolerance,
            List<SubjectDrift> subjects) {
        this(from, to, dialect, meters, tolerance, Optional.empty(), subjects);
    }

    /** What is compared. */
    public enum Measure {
        /** Delivered events vs the COUNT meter. */
        EVENTS,
        /** Sum of {@code network_fee_usd_micros} vs its SUM meter. */
        NETWORK_USD_MICROS,
        /** Sum of {@code billable_usd_micros} vs its SUM meter. */
        BILLABLE_USD_MICROS;

        /** Lower-case name, as in the table and JSON. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The classification of one comparison. */
    public enum Drift {
        /** Equal within the tolerance (counts: exactly). */
        IN_SYNC,
        /** OpenMeter has less than we delivered: usage lost on the way or dropped by OpenMeter. */
        MISSING,
        /** OpenMeter has more than we delivered, and not a whole multiple: usage we did not deliver, or partial duplicates. */
        EXTRA,
        /** OpenMeter has k × what we delivered (k ≥ 2) within the tolerance: everything counted k times. */
        DOUBLE_COUNTED;

        /** Lower-case name with dashes, as in the table and JSON ({@code double-counted}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One measure of one subject.
     *
     * @param measure    what is compared
     * @param meter      OpenMeter meter key
     * @param ours       our delivered total (events, or USD micros)
     * @param openmeter  OpenMeter's total (0 when it has no row for the subject)
     * @param difference {@code openmeter − ours}, exact
     * @param drift      classification
     * @param factor     k of {@link Drift#DOUBLE_COUNTED}, else null
     */
    public record Comparison(
            Measure measure,
            String meter,
            BigDecimal ours,
            BigDecimal openmeter,
            BigDecimal difference,
            Drift drift,
            Integer factor) {}

    /**
     * One subject.
     *
     * @param subject     CloudEvent subject = customer key ({@code ""} for OpenMeter rows without one)
     * @param pending     events of the period not yet delivered (not in {@code ours}; they may explain "missing")
     * @param rejected    events of the period OpenMeter refused (not in {@code ours})
     * @param comparisons the subject's totals over the period, one per {@link Measure}, in that order
     * @param windows     per time window with usage on either side, in time order (one window = the period when
     *                    the report has no window size; empty in reports built without windows)
     */
    public record SubjectDrift(
            String subject, long pending, long rejected, List<Comparison> comparisons, List<WindowDrift> windows) {
        public SubjectDrift {
            comparisons = List.copyOf(comparisons);
            windows = List.copyOf(windows);
        }

        /** A subject compared over the whole period only. */
        public SubjectDrift(String subject, long pending, long rejected, List<Comparison> comparisons) {
            this(subject, pending, rejected, comparisons, List.of());
        }

        /** Whether every measure is in sync, in total and in every window. */
        public boolean inSync() {
            return comparisons.stream().allMatch(c -> c.drift() == Drift.IN_SYNC)
                    && windows.stream().allMatch(WindowDrift::inSync);
        }

        /**
         * The subject's classification: that of its first window that is not in sync, else the first measure of its
         * totals that is not (events first), else IN_SYNC.
         */
        public Drift drift() {
            return windows.stream()
                    .map(WindowDrift::drift)
                    .filter(d -> d != Drift.IN_SYNC)
                    .findFirst()
                    .orElseGet(() -> firstDrift(comparisons));
        }

        /** The windows that are not in sync. */
        public List<WindowDrift> drifted() {
            return windows.stream().filter(w -> !w.inSync()).toList();
        }
    }

    /**
     * One subject in one time window.
     *
     * @param from        start of the window, inclusive (aligned to the window size; the period's start when the
     *                    period starts inside it)
     * @param to          end of the window, exclusive (the period's end when it ends inside it)
     * @param pending     events of the window not yet delivered
     * @param rejected    events of the window OpenMeter refused
     * @param comparisons one per {@link Measure}, in that order; after a {@link Listing} their drift of OpenMeter
     *                    having more is what the listing showed (double-counted or extra)
     * @param listing     what OpenMeter's events listing showed for a window where it has more, or null when not
     *                    listed (in sync, or only missing)
     */
    public record WindowDrift(
            Instant from, Instant to, long pending, long rejected, List<Comparison> comparisons, Listing listing) {
        public WindowDrift {
            comparisons = List.copyOf(comparisons);
        }

        /** Whether every measure is in sync. */
        public boolean inSync() {
            return comparisons.stream().allMatch(c -> c.drift() == Drift.IN_SYNC);
        }

        /** The first measure's drift that is not in sync (events first), or IN_SYNC. */
        public Drift drift() {
            return firstDrift(comparisons);
        }

        /** Whether OpenMeter has more than we delivered for some measure (beyond the tolerance). */
        public boolean surplus() {
            return comparisons.stream().anyMatch(c -> c.drift() == Drift.EXTRA || c.drift() == Drift.DOUBLE_COUNTED);
        }
    }

    /** How far OpenMeter's events listing of a window got. */
    public enum ListingStatus {
        /** Every event OpenMeter holds for the subject and window was listed: the classification is by event. */
        LISTED,
        /** OpenMeter holds more than the page limit allowed to list: classified from the totals (heuristic). */
        TRUNCATED,
        /** OpenMeter refused or failed the listing (older server, token without the role): heuristic. */
        UNAVAILABLE,
        /** Not listed: more drifting windows than the listing limit: heuristic. */
        SKIPPED;

        /** Lower-case name, as in the table and JSON. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * An event OpenMeter counted more than once.
     *
     * @param eventId      the CloudEvent id OpenMeter stored
     * @param copies       how many times OpenMeter stored that id
     * @param sameTicketAs null when {@code eventId} is one of ours (then {@code copies − 1} are surplus), else our
     *                     event id of the same ticket (same session and sequence number, or same session, request
     *                     id, fee and second), stored again under another id (all {@code copies} are surplus)
     */
    public record Duplicate(String eventId, int copies, String sameTicketAs) {
        /** Copies beyond the one we delivered. */
        public int surplus() {
            return sameTicketAs == null ? copies - 1 : copies;
        }
    }

    /**
     * An event OpenMeter holds that we never delivered and that is no copy of one of ours.
     *
     * @param eventId its CloudEvent id
     * @param copies  how many times OpenMeter stored it
     */
    public record Extra(String eventId, int copies) {}

    /**
     * What OpenMeter's events listing showed for a window where it has more than we delivered.
     *
     * @param status        how far the listing got
     * @param listed        events listed (copies included)
     * @param doubleCounted events counted more than once (by id, or the same ticket under another id)
     * @param extra         events we never delivered
     * @param missing       our delivered event ids the listing does not hold (only when {@code LISTED})
     * @param note          a sentence for people: what was concluded and why
     */
    public record Listing(
            ListingStatus status,
            int listed,
            List<Duplicate> doubleCounted,
            List<Extra> extra,
            List<String> missing,
            String note) {
        public Listing {
            doubleCounted = List.copyOf(doubleCounted);
            extra = List.copyOf(extra);
            missing = List.copyOf(missing);
        }

        /** A listing that did not take place or did not finish, with why. */
        public static Listing notConclusive(ListingStatus status, int listed, String note) {
            return new Listing(status, listed, List.of(), List.of(), List.of(), note);
        }

        /**
         * The drift the listing proves for the measures where OpenMeter has more: EXTRA when it holds an event we
         * never delivered, else DOUBLE_COUNTED when it counted one of ours more than once, else null (not
         * conclusive: the totals' heuristic stays).
         */
        public Drift proves() {
            if (status != ListingStatus.LISTED) {
                return null;
            }
            if (!extra.isEmpty()) {
                return Drift.EXTRA;
            }
            return doubleCounted.isEmpty() ? null : Drift.DOUBLE_COUNTED;
        }
    }

    private static Drift firstDrift(List<Comparison> comparisons) {
        return comparisons.stream()
                .map(Comparison::drift)
                .filter(d -> d != Drift.IN_SYNC)
                .findFirst()
                .orElse(Drift.IN_SYNC);
    }

    /**
     * The comparisons with OpenMeter's surplus reclassified as {@code proven} (the factor kept only when the totals
     * already showed a whole multiple); null {@code proven} leaves them as they are.
     */
    static List<Comparison> reclassify(List<Comparison> comparisons, Drift proven) {
        if (proven == null) {
            return comparisons;
        }
        return comparisons.stream()
                .map(c -> c.drift() == Drift.EXTRA || c.drift() == Drift.DOUBLE_COUNTED
                        ? new Comparison(
                                c.measure(),
                                c.meter(),
                                c.ours(),
                                c.openmeter(),
                                c.difference(),
                                proven,
                                proven == Drift.DOUBLE_COUNTED ? c.factor() : null)
                        : c)
                .toList();
    }

    /**
     * Compares two totals of a measure.
     *
     * <p>Rule: {@code difference = openmeter − ours}, exact (no rounding). In sync when {@code |difference| ≤
     * allowance} (allowance: 0 for events, else {@link Tolerance#allowed}(ours)). Otherwise double-counted when ours
     * is positive, {@code k = round(openmeter / ours)} (half-up) is at least 2 and {@code |openmeter − k × ours|} is
     * within the allowance of {@code k × ours}; else missing when OpenMeter has less, extra when it has more.
     */
    public static Comparison compare(
            Measure measure, String meter, BigDecimal ours, BigDecimal openmeter, Tolerance tolerance) {
        BigDecimal difference = openmeter.subtract(ours);
        if (difference.abs().compareTo(allowance(measure, ours, tolerance)) <= 0) {
            return new Comparison(measure, meter, ours, openmeter, difference, Drift.IN_SYNC, null);
        }
        if (ours.signum() > 0 && difference.signum() > 0) {
            BigDecimal k = openmeter.divide(ours, 0, RoundingMode.HALF_UP);
            BigDecimal expected = ours.multiply(k);
            if (k.compareTo(BigDecimal.valueOf(2)) >= 0
                    && openmeter.subtract(expected).abs().compareTo(allowance(measure, expected, tolerance)) <= 0) {
                return new Comparison(
                        measure, meter, ours, openmeter, difference, Drift.DOUBLE_COUNTED, k.intValueExact());
            }
        }
        return new Comparison(
                measure,
                meter,
                ours,
                openmeter,
                difference,
                difference.signum() < 0 ? Drift.MISSING : Drift.EXTRA,
                null);
    }

    private static BigDecimal allowance(Measure measure, BigDecimal ours, Tolerance tolerance) {
        return measure == Measure.EVENTS ? BigDecimal.ZERO : tolerance.allowed(ours);
    }

    /** Whether every subject is in sync. */
    public boolean inSync() {
        return subjects.stream().allMatch(SubjectDrift::inSync);
    }

    /** Subjects that are not in sync. */
    public List<SubjectDrift> drifted() {
        return subjects.stream().filter(s -> !s.inSync()).toList();
    }

    /**
     * Per measure, the sum of {@code |difference|} over comparisons that are not in sync (0 when in sync): per
     * drifting window where the subject has windows that drift (so drift in one window is not hidden by the opposite
     * in another), else the subject's totals.
     */
    public Map<Measure, BigDecimal> driftTotals() {
        Map<Measure, BigDecimal> totals = new EnumMap<>(Measure.class);
        for (Measure m : Measure.values()) {
            totals.put(m, BigDecimal.ZERO);
        }
        for (SubjectDrift s : subjects) {
            List<Comparison> counted = s.drifted().isEmpty()
                    ? s.comparisons()
                    : s.drifted().stream()
                            .flatMap(w -> w.comparisons().stream())
                            .toList();
            for (Comparison c : counted) {
                if (c.drift() != Drift.IN_SYNC) {
                    totals.merge(c.measure(), c.difference().abs(), BigDecimal::add);
                }
            }
        }
        return totals;
    }

    /** Subjects per drift kind (their {@link SubjectDrift#drift()}), every kind present. */
    public Map<Drift, Long> subjectsByDrift() {
        Map<Drift, Long> counts = new EnumMap<>(Drift.class);
        for (Drift d : Drift.values()) {
            counts.put(d, 0L);
        }
        subjects.forEach(s -> counts.merge(s.drift(), 1L, Long::sum));
        return counts;
    }

    /** Pending events of the period, all subjects. */
    public long pending() {
        return subjects.stream().mapToLong(SubjectDrift::pending).sum();
    }

    /** Rejected events of the period, all subjects. */
    public long rejected() {
        return subjects.stream().mapToLong(SubjectDrift::rejected).sum();
    }

    /**
     * A markdown report: the period, a summary, a table of the comparisons that are not in sync (with a window
     * column and a {@code total} line per subject when the report has a window size), and what OpenMeter's events
     * listing showed for windows where it has more.
     */
    public String markdown() {
        StringBuilder s = new StringBuilder("# Outbox ↔ OpenMeter reconciliation\n\n");
        s.append("Period (usage time): ")
                .append(from)
                .append(" ≤ t < ")
                .append(to)
                .append(windowSize
                        .map(w -> ", windows of one " + w.name().toLowerCase(Locale.ROOT) + " (UTC)")
                        .orElse(""))
                .append(", OpenMeter ")
                .append(dialect)
                .append(", meters ")
                .append(meters.events())
                .append(" / ")
                .append(meters.network())
                .append(" / ")
                .append(meters.billable())
                .append(", tolerance ")
                .append(tolerance)
                .append(" (events exact)\n\n");
        Map<Drift, Long> kinds = subjectsByDrift();
        s.append(subjects.size())
                .append(" subject(s): ")
                .append(kinds.get(Drift.IN_SYNC))
                .append(" in sync, ")
                .append(kinds.get(Drift.MISSING))
                .append(" missing, ")
                .append(kinds.get(Drift.EXTRA))
                .append(" extra, ")
                .append(kinds.get(Drift.DOUBLE_COUNTED))
                .append(" double-counted.");
        if (pending() > 0 || rejected() > 0) {
            s.append(" Not counted as ours: ")
                    .append(pending())
                    .append(" pending and ")
                    .append(rejected())
                    .append(" rejected event(s) of the period.");
        }
        s.append("\n\n");
        if (inSync()) {
            s.append("**In sync.**\n");
            return s.toString();
        }
        boolean windowed = windowSize.isPresent();
        s.append(
                windowed
                        ? "| subject | window | measure | meter | ours (delivered) | OpenMeter | difference | drift |\n"
                                + "|---|---|---|---|---:|---:|---:|---|\n"
                        : "| subject | measure | meter | ours (delivered) | OpenMeter | difference | drift |\n"
                                + "|---|---|---|---:|---:|---:|---|\n");
        for (SubjectDrift subject : drifted()) {
            if (!windowed) {
                for (Comparison c : subject.comparisons()) {
                    if (c.drift() != Drift.IN_SYNC) {
                        row(s, subject.subject(), null, c, subject.pending());
                    }
                }
                continue;
            }
            java.util.Set<Measure> shown = java.util.EnumSet.noneOf(Measure.class);
            for (WindowDrift w : subject.drifted()) {
                for (Comparison c : w.comparisons()) {
                    if (c.drift() != Drift.IN_SYNC) {
                        row(s, subject.subject(), w.from().toString(), c, w.pending());
                        shown.add(c.measure());
                    }
                }
            }
            for (Comparison c : subject.comparisons()) {
                if (c.drift() != Drift.IN_SYNC || shown.contains(c.measure())) {
                    row(s, subject.subject(), "total", c, subject.pending());
                }
            }
        }
        s.append("\n**Drift beyond the tolerance.** See docs/operations.md, \"Drift between the outbox and"
                + " OpenMeter\".\n");
        StringBuilder listings = new StringBuilder();
        for (SubjectDrift subject : drifted()) {
            for (WindowDrift w : subject.windows()) {
                if (w.listing() != null) {
                    listings.append("- ")
                            .append(subject.subject().isEmpty() ? "(none)" : subject.subject())
                            .append(", ")
                            .append(w.from())
                            .append(" ≤ t < ")
                            .append(w.to())
                            .append(": ")
                            .append(describe(w.listing()))
                            .append('\n');
                }
            }
        }
        if (!listings.isEmpty()) {
            s.append("\n## OpenMeter's events where it has more\n\n").append(listings);
        }
        return s.toString();
    }

    private static void row(StringBuilder s, String subject, String window, Comparison c, long pending) {
        s.append("| ").append(subject.isEmpty() ? "(none)" : subject).append(" | ");
        if (window != null) {
            s.append(window).append(" | ");
        }
        s.append(c.measure().label())
                .append(" | ")
                .append(c.meter())
                .append(" | ")
                .append(plain(c.ours()))
                .append(" | ")
                .append(plain(c.openmeter()))
                .append(" | ")
                .append(c.difference().signum() > 0 ? "+" : "")
                .append(plain(c.difference()))
                .append(" | ")
                .append(c.drift().label())
                .append(c.factor() == null ? "" : " (×" + c.factor() + ")")
                .append(pending > 0 ? ", " + pending + " pending" : "")
                .append(" |\n");
    }

    /** One line: what the listing found, then its note. */
    static String describe(Listing listing) {
        StringBuilder s = new StringBuilder()
                .append(listing.status().label())
                .append(" (")
                .append(listing.listed())
                .append(" event(s))");
        if (!listing.doubleCounted().isEmpty()) {
            s.append("; double-counted: ");
            s.append(String.join(
                    ", ",
                    listing.doubleCounted().stream()
                            .map(d -> d.eventId() + " ×" + d.copies()
                                    + (d.sameTicketAs() == null
                                            ? ""
                                            : " (same ticket as our " + d.sameTicketAs() + ")"))
                            .toList()));
        }
        if (!listing.extra().isEmpty()) {
            s.append("; extra: ");
            s.append(String.join(
                    ", ",
                    listing.extra().stream()
                            .map(e -> e.eventId() + (e.copies() > 1 ? " ×" + e.copies() : ""))
                            .toList()));
        }
        if (!listing.missing().isEmpty()) {
            s.append("; not in OpenMeter: ").append(String.join(", ", listing.missing()));
        }
        return s.append(". ").append(listing.note()).toString();
    }

    /** The report as JSON: every subject with its totals and windows, amounts as decimal strings. */
    public String json() {
        ObjectNode root = JSON.createObjectNode()
                .put("from", from.toString())
                .put("to", to.toString())
                .put("dialect", dialect)
                .put("window_size", windowSize.map(Enum::name).orElse("PERIOD"))
                .put("in_sync", inSync());
        root.putObject("meters")
                .put("events", meters.events())
                .put("network_usd_micros", meters.network())
                .put("billable_usd_micros", meters.billable());
        root.putObject("tolerance")
                .put("absolute_micros", plain(tolerance.absoluteMicros()))
                .put("relative", plain(tolerance.relative()));
        ObjectNode summary = root.putObject("summary");
        summary.put("subjects", subjects.size());
        subjectsByDrift().forEach((d, n) -> summary.put(d.label(), n));
        summary.put("pending_events", pending()).put("rejected_events", rejected());
        ObjectNode drift = root.putObject("drift_totals");
        driftTotals().forEach((m, v) -> drift.put(m.label(), plain(v)));
        ArrayNode list = root.putArray("subjects");
        for (SubjectDrift subject : subjects) {
            ObjectNode node = list.addObject()
                    .put("subject", subject.subject())
                    .put("drift", subject.drift().label())
                    .put("pending_events", subject.pending())
                    .put("rejected_events", subject.rejected());
            comparisons(node.putArray("comparisons"), subject.comparisons());
            ArrayNode windows = node.putArray("windows");
            for (WindowDrift w : subject.windows()) {
                ObjectNode wn = windows.addObject()
                        .put("from", w.from().toString())
                        .put("to", w.to().toString())
                        .put("drift", w.drift().label())
                        .put("pending_events", w.pending())
                        .put("rejected_events", w.rejected());
                comparisons(wn.putArray("comparisons"), w.comparisons());
                if (w.listing() != null) {
                    Listing l = w.listing();
                    ObjectNode ln = wn.putObject("listing")
                            .put("status", l.status().label())
                            .put("listed_events", l.listed());
                    ArrayNode dups = ln.putArray("double_counted");
                    for (Duplicate d : l.doubleCounted()) {
                        ObjectNode dn = dups.addObject().put("id", d.eventId()).put("copies", d.copies());
                        if (d.sameTicketAs() != null) {
                            dn.put("same_ticket_as", d.sameTicketAs());
                        }
                    }
                    ArrayNode extras = ln.putArray("extra");
                    l.extra()
                            .forEach(e ->
                                    extras.addObject().put("id", e.eventId()).put("copies", e.copies()));
                    ArrayNode missing = ln.putArray("missing");
                    l.missing().forEach(missing::add);
                    ln.put("note", l.note());
                }
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void comparisons(ArrayNode into, List<Comparison> comparisons) {
        for (Comparison c : comparisons) {
            ObjectNode cn = into.addObject()
                    .put("measure", c.measure().label())
                    .put("meter", c.meter())
                    .put("ours", plain(c.ours()))
                    .put("openmeter", plain(c.openmeter()))
                    .put("difference", plain(c.difference()))
                    .put("drift", c.drift().label());
            if (c.factor() != null) {
                cn.put("factor", c.factor());
            }
        }
    }

    /** A decimal without exponent or trailing zeros. */
    static String plain(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return (stripped.scale() < 0 ? stripped.setScale(0) : stripped).toPlainString();
    }
}
