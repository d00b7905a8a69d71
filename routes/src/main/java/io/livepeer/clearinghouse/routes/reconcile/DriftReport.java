package io.livepeer.clearinghouse.routes.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        List<SubjectDrift> subjects) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public DriftReport {
        subjects = List.copyOf(subjects);
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
     * @param comparisons one per {@link Measure}, in that order
     */
    public record SubjectDrift(String subject, long pending, long rejected, List<Comparison> comparisons) {
        public SubjectDrift {
            comparisons = List.copyOf(comparisons);
        }

        /** Whether every measure is in sync. */
        public boolean inSync() {
            return comparisons.stream().allMatch(c -> c.drift() == Drift.IN_SYNC);
        }

        /** The first measure's drift that is not in sync (events first), or IN_SYNC. */
        public Drift drift() {
            return comparisons.stream()
                    .map(Comparison::drift)
                    .filter(d -> d != Drift.IN_SYNC)
                    .findFirst()
                    .orElse(Drift.IN_SYNC);
        }
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

    /** Per measure, the sum of {@code |difference|} over comparisons that are not in sync (0 when in sync). */
    public Map<Measure, BigDecimal> driftTotals() {
        Map<Measure, BigDecimal> totals = new EnumMap<>(Measure.class);
        for (Measure m : Measure.values()) {
            totals.put(m, BigDecimal.ZERO);
        }
        for (SubjectDrift s : subjects) {
            for (Comparison c : s.comparisons()) {
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

    /** A markdown report: the period, a summary, and a table of the comparisons that are not in sync. */
    public String markdown() {
        StringBuilder s = new StringBuilder("# Outbox ↔ OpenMeter reconciliation\n\n");
        s.append("Period (usage time): ")
                .append(from)
                .append(" ≤ t < ")
                .append(to)
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
        s.append("| subject | measure | meter | ours (delivered) | OpenMeter | difference | drift |\n");
        s.append("|---|---|---|---:|---:|---:|---|\n");
        for (SubjectDrift subject : drifted()) {
            for (Comparison c : subject.comparisons()) {
                if (c.drift() == Drift.IN_SYNC) {
                    continue;
                }
                s.append("| ")
                        .append(subject.subject().isEmpty() ? "(none)" : subject.subject())
                        .append(" | ")
                        .append(c.measure().label())
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
                        .append(subject.pending() > 0 ? ", " + subject.pending() + " pending" : "")
                        .append(" |\n");
            }
        }
        s.append("\n**Drift beyond the tolerance.** See docs/operations.md, \"Drift between the outbox and"
                + " OpenMeter\".\n");
        return s.toString();
    }

    /** The report as JSON: every subject and measure, amounts as decimal strings. */
    public String json() {
        ObjectNode root = JSON.createObjectNode()
                .put("from", from.toString())
                .put("to", to.toString())
                .put("dialect", dialect)
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
            ArrayNode comparisons = node.putArray("comparisons");
            for (Comparison c : subject.comparisons()) {
                ObjectNode cn = comparisons
                        .addObject()
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
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A decimal without exponent or trailing zeros. */
    static String plain(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return (stripped.scale() < 0 ? stripped.setScale(0) : stripped).toPlainString();
    }
}
