package io.livepeer.clearinghouse.routes.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.outbox.DeliveredUsage;
import io.livepeer.clearinghouse.openmeter.ApiProblem;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.openmeter.IngestedEvents;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.WindowSize;
import io.livepeer.clearinghouse.openmeter.WindowedMeterUsage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Outbox ↔ OpenMeter reconciliation (the third of the three checks in {@code docs/operations.md}): for every subject,
 * our delivered totals over a period ({@link DeliveredUsage}: events, {@code network_fee_usd_micros},
 * {@code billable_usd_micros}) against OpenMeter's meter query results for the same period, through the one
 * {@link OpenMeterClient} (either dialect). Read-only on both sides: safe to run anywhere, any time, on any number of
 * instances.
 *
 * <p><b>Period.</b> {@code [from, to)} by usage time (the CloudEvent {@code time}), in whole seconds because
 * OpenMeter stores event times to the second. An event delivered after the check (still pending) is not ours yet
 * and not OpenMeter's either; an event delivered just before the check may not be queryable yet (OpenMeter
 * processes ingested events asynchronously, seconds). Check periods that ended a while ago (the scheduled check
 * ends its period {@code settle} before now).
 */
public final class OpenMeterReconciliation {

    /** The only event type our meters count; other types OpenMeter lists for a subject are not compared. */
    static final String EVENT_TYPE = "create_signed_ticket";

    /**
     * Bounds of the events listing that tells double-counted from extra.
     *
     * @param maxWindows most drifting subject-windows listed per run (0: never list, the totals heuristic only)
     * @param maxPages   most listing requests per subject-window (v3 pages of 100; v1 lists one page of at most 100)
     */
    public record ListingLimits(int maxWindows, int maxPages) {
        /** No listing: every classification from the totals (heuristic). */
        public static final ListingLimits NONE = new ListingLimits(0, 1);

        public ListingLimits {
            if (maxWindows < 0 || maxPages < 1) {
                throw new IllegalArgumentException(
                        "listing limits: windows must be at least 0 and pages at least 1, got " + maxWindows + " and "
                                + maxPages);
            }
        }
    }

    private final DeliveredUsage outbox;
    private final OpenMeterClient openmeter;
    private final ReconcileMeters meters;
    private final Tolerance tolerance;
    private final Optional<WindowSize> windowSize;
    private final ListingLimits limits;

    /**
     * A comparison over the whole period (one window) from the totals alone ({@link ListingLimits#NONE}).
     *
     * @param outbox    our delivered totals
     * @param openmeter the OpenMeter client (its URL decides the dialect)
     * @param meters    the meters to compare with
     * @param tolerance allowance for amounts
     */
    public OpenMeterReconciliation(
            DeliveredUsage outbox, OpenMeterClient openmeter, ReconcileMeters meters, Tolerance tolerance) {
        this(outbox, openmeter, meters, tolerance, Optional.empty(), ListingLimits.NONE);
    }

    /**
     * @param outbox     our delivered totals
     * @param openmeter  the OpenMeter client (its URL decides the dialect)
     * @param meters     the meters to compare with
     * @param tolerance  allowance for amounts
     * @param windowSize per-window comparison (UTC minutes, hours or days), or empty for one window = the period
     * @param limits     bounds of the events listing
     */
    public OpenMeterReconciliation(
            DeliveredUsage outbox,
            OpenMeterClient openmeter,
            ReconcileMeters meters,
            Tolerance tolerance,
            Optional<WindowSize> windowSize,
            ListingLimits limits) {
        this.outbox = outbox;
        this.openmeter = openmeter;
        this.meters = meters;
        this.tolerance = tolerance;
        this.windowSize = windowSize;
        this.limits = limits;
    }

    /**
     * Checks that a period can be compared: {@code from < to}, both whole seconds.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static void requireWholeSecondPeriod(Instant from, Instant to) {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new IllegalArgumentException("the period needs --from before --to");
        }
        if (from.getNano() != 0 || to.getNano() != 0) {
            throw new IllegalArgumentException("--from and --to must be whole seconds (OpenMeter keeps event times"
                    + " to the second), got " + from + " and " + to);
        }
    }

    /** One subject-window's figures on both sides. */
    private static final class Cell {
        long events;
        BigDecimal network = BigDecimal.ZERO;
        BigDecimal billable = BigDecimal.ZERO;
        long pending;
        long rejected;
        final Map<DriftReport.Measure, BigDecimal> theirs = new EnumMap<>(DriftReport.Measure.class);

        BigDecimal ours(DriftReport.Measure measure) {
            return switch (measure) {
                case EVENTS -> BigDecimal.valueOf(events);
                case NETWORK_USD_MICROS -> network;
                case BILLABLE_USD_MICROS -> billable;
            };
        }

        BigDecimal theirs(DriftReport.Measure measure) {
            return theirs.getOrDefault(measure, BigDecimal.ZERO);
        }

        void add(Cell other) {
            events += other.events;
            network = network.add(other.network);
            billable = billable.add(other.billable);
            pending += other.pending;
            rejected += other.rejected;
            other.theirs.forEach((m, v) -> theirs.merge(m, v, BigDecimal::add));
        }
    }

    /**
     * Runs the comparison: per subject and window (one window = the period without a window size), then per subject
     * over the period; for windows where OpenMeter has more, its events are listed (within the {@link ListingLimits})
     * to tell double-counted from extra.
     *
     * @throws IllegalArgumentException for a period that is not whole seconds or empty
     * @throws SQLException             when the database cannot be read
     * @throws ApiProblem               when OpenMeter refuses a meter query (e.g. 404: the meter does not exist) or
     *                                  stays unreachable (a refused events listing only leaves a note)
     */
    public DriftReport run(Instant from, Instant to) throws SQLException {
        requireWholeSecondPeriod(from, to);
        Map<String, TreeMap<Instant, Cell>> cells = new TreeMap<>();
        if (windowSize.isEmpty()) {
            for (DeliveredUsage.SubjectTotals t : outbox.bySubject(from, to)) {
                Cell c = cell(cells, t.subject(), from);
                c.events = t.events();
                c.network = t.networkMicros();
                c.billable = t.billableMicros();
                c.pending = t.pending();
                c.rejected = t.rejected();
            }
            for (DriftReport.Measure measure : DriftReport.Measure.values()) {
                openmeter
                        .queryMeterBySubject(meters.of(measure), from, to)
                        .bySubject()
                        .forEach((subject, value) ->
                                cell(cells, subject, from).theirs.merge(measure, value, BigDecimal::add));
            }
        } else {
            WindowSize size = windowSize.get();
            for (DeliveredUsage.WindowTotals t : outbox.bySubjectAndWindow(from, to, size.seconds())) {
                Cell c = cell(cells, t.subject(), t.windowStart());
                c.events = t.events();
                c.network = t.networkMicros();
                c.billable = t.billableMicros();
                c.pending = t.pending();
                c.rejected = t.rejected();
            }
            for (DriftReport.Measure measure : DriftReport.Measure.values()) {
                for (WindowedMeterUsage.Row row : openmeter
                        .queryMeterBySubjectAndWindow(meters.of(measure), from, to, size)
                        .rows()) {
                    cell(cells, row.subject(), row.windowStart()).theirs.merge(measure, row.value(), BigDecimal::add);
                }
            }
        }

        int listingsLeft = limits.maxWindows();
        List<DriftReport.SubjectDrift> rows = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Instant, Cell>> entry : cells.entrySet()) {
            String subject = entry.getKey();
            Cell total = new Cell();
            List<DriftReport.WindowDrift> windows = new ArrayList<>();
            DriftReport.Drift proven = null;
            for (Map.Entry<Instant, Cell> w : entry.getValue().entrySet()) {
                Cell c = w.getValue();
                total.add(c);
                Instant wFrom = windowSize.isEmpty() ? from : max(from, w.getKey());
                Instant wTo = windowSize.isEmpty()
                        ? to
                        : min(to, w.getKey().plus(windowSize.get().duration()));
                DriftReport.WindowDrift window =
                        new DriftReport.WindowDrift(wFrom, wTo, c.pending, c.rejected, compare(c), null);
                if (window.surplus()) {
                    DriftReport.Listing listing;
                    if (listingsLeft > 0) {
                        listingsLeft--;
                        listing = list(subject, wFrom, wTo);
                    } else {
                        listing = DriftReport.Listing.notConclusive(
                                DriftReport.ListingStatus.SKIPPED,
                                0,
                                "not listed: more drifting windows than the listing limit (" + limits.maxWindows()
                                        + "); classified from the totals (heuristic)");
                    }
                    DriftReport.Drift proves = listing.proves();
                    if (proves == DriftReport.Drift.EXTRA || proven == null) {
                        proven = proves == null ? proven : proves;
                    }
                    window = new DriftReport.WindowDrift(
                            wFrom,
                            wTo,
                            c.pending,
                            c.rejected,
                            DriftReport.reclassify(window.comparisons(), proves),
                            listing);
                }
                windows.add(window);
            }
            List<DriftReport.Comparison> totals = windowSize.isEmpty()
                    ? windows.get(0).comparisons()
                    : DriftReport.reclassify(compare(total), proven);
            rows.add(new DriftReport.SubjectDrift(subject, total.pending, total.rejected, totals, windows));
        }
        return new DriftReport(from, to, openmeter.dialect().label(), meters, tolerance, windowSize, rows);
    }

    private static Cell cell(Map<String, TreeMap<Instant, Cell>> cells, String subject, Instant window) {
        return cells.computeIfAbsent(subject, k -> new TreeMap<>()).computeIfAbsent(window, k -> new Cell());
    }

    private List<DriftReport.Comparison> compare(Cell c) {
        List<DriftReport.Comparison> comparisons = new ArrayList<>();
        for (DriftReport.Measure measure : DriftReport.Measure.values()) {
            comparisons.add(
                    DriftReport.compare(measure, meters.of(measure), c.ours(measure), c.theirs(measure), tolerance));
        }
        return comparisons;
    }

    /**
     * Lists OpenMeter's events of the subject and window and classifies them against our delivered events: an id
     * of ours stored more than once, or an unknown id carrying the identity of one of our tickets, is
     * double-counted; any other unknown id is extra; our ids it does not hold are missing.
     */
    DriftReport.Listing list(String subject, Instant from, Instant to) throws SQLException {
        if (subject.isEmpty()) {
            return DriftReport.Listing.notConclusive(
                    DriftReport.ListingStatus.UNAVAILABLE,
                    0,
                    "OpenMeter's rows without a subject cannot be listed by subject; classified from the totals"
                            + " (heuristic)");
        }
        IngestedEvents listed;
        try {
            listed = openmeter.listEvents(subject, from, to, limits.maxPages());
        } catch (ApiProblem e) {
            return DriftReport.Listing.notConclusive(
                    DriftReport.ListingStatus.UNAVAILABLE,
                    0,
                    "OpenMeter did not list the events (" + e.getMessage() + "); classified from the totals"
                            + " (heuristic)");
        }
        List<JsonNode> events = listed.events().stream()
                .filter(e -> EVENT_TYPE.equals(e.path("type").asText()))
                .toList();
        if (listed.truncated()) {
            return DriftReport.Listing.notConclusive(
                    DriftReport.ListingStatus.TRUNCATED,
                    events.size(),
                    "OpenMeter holds more events than listed ("
                            + (openmeter.dialect() == Dialect.V1
                                    ? "v1 lists at most " + OpenMeterClient.LIST_PAGE_SIZE
                                            + " per request and the halved spans did not fit in --listing-pages "
                                            + limits.maxPages() + " (or more than " + OpenMeterClient.LIST_PAGE_SIZE
                                            + " in one second): raise --listing-pages or use a smaller --window-size"
                                    : "page limit " + limits.maxPages() + " reached")
                            + "); classified from the totals (heuristic)");
        }
        int ourLimit = limits.maxPages() * OpenMeterClient.LIST_PAGE_SIZE * 2;
        List<DeliveredUsage.DeliveredEvent> ours = outbox.deliveredEvents(subject, from, to, ourLimit + 1);
        if (ours.size() > ourLimit) {
            return DriftReport.Listing.notConclusive(
                    DriftReport.ListingStatus.TRUNCATED,
                    events.size(),
                    "we delivered more than " + ourLimit + " events in this window: use a smaller --window-size;"
                            + " classified from the totals (heuristic)");
        }
        Map<String, DeliveredUsage.DeliveredEvent> ourIds = new LinkedHashMap<>();
        Map<String, String> ourTickets = new HashMap<>();
        for (DeliveredUsage.DeliveredEvent e : ours) {
            ourIds.put(e.eventId(), e);
            if (e.sessionId() != null && e.sequenceNumber() != null) {
                ourTickets.putIfAbsent(sequenceKey(e.sessionId(), e.sequenceNumber()), e.eventId());
            }
            if (e.requestId() != null) {
                ourTickets.putIfAbsent(
                        requestKey(
                                e.sessionId(),
                                e.requestId(),
                                e.feeWei(),
                                e.time().getEpochSecond()),
                        e.eventId());
            }
        }
        Map<String, Integer> copies = new LinkedHashMap<>();
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode e : events) {
            String id = e.path("id").asText();
            copies.merge(id, 1, Integer::sum);
            byId.putIfAbsent(id, e);
        }
        List<DriftReport.Duplicate> doubled = new ArrayList<>();
        List<DriftReport.Extra> extra = new ArrayList<>();
        copies.forEach((id, n) -> {
            if (ourIds.containsKey(id)) {
                if (n > 1) {
                    doubled.add(new DriftReport.Duplicate(id, n, null));
                }
            } else {
                String same = sameTicket(byId.get(id), ourIds.keySet(), ourTickets);
                if (same != null) {
                    doubled.add(new DriftReport.Duplicate(id, n, same));
                } else {
                    extra.add(new DriftReport.Extra(id, n));
                }
            }
        });
        List<String> missing =
                ourIds.keySet().stream().filter(id -> !copies.containsKey(id)).toList();
        String note;
        if (!extra.isEmpty()) {
            note = "OpenMeter holds " + extra.size() + " event id(s) we never delivered"
                    + (doubled.isEmpty() ? "" : " and counted " + doubled.size() + " of ours more than once")
                    + ": extra";
        } else if (!doubled.isEmpty()) {
            note = "OpenMeter counted " + doubled.size() + " event(s) of ours more than once: double-counted";
        } else {
            note = "every listed event is one of ours, once: OpenMeter's meters count more than it stores (a meter"
                    + " definition, or its aggregation); classified from the totals (heuristic)";
        }
        return new DriftReport.Listing(DriftReport.ListingStatus.LISTED, events.size(), doubled, extra, missing, note);
    }

    /**
     * Our event id whose ticket an unknown event carries, or null: {@code data.event_id} naming one of ours, or the
     * same {@code session_id} and {@code sequence_number}, or the same {@code session_id}, {@code gateway_request_id},
     * {@code fee_wei} and second.
     */
    private static String sameTicket(JsonNode event, Set<String> ourIds, Map<String, String> ourTickets) {
        JsonNode data = event.path("data");
        String carried = data.path("event_id").asText(null);
        if (carried != null && ourIds.contains(carried)) {
            return carried;
        }
        String session = data.hasNonNull("session_id") ? data.get("session_id").asText() : null;
        JsonNode sequence = data.get("sequence_number");
        if (session != null && sequence != null && sequence.canConvertToLong()) {
            String ours = ourTickets.get(sequenceKey(session, sequence.asLong()));
            if (ours != null) {
                return ours;
            }
        }
        String request = data.hasNonNull("gateway_request_id")
                ? data.get("gateway_request_id").asText()
                : null;
        BigInteger fee = wei(data.get("fee_wei"));
        if (request == null || fee == null) {
            return null;
        }
        try {
            long second = OffsetDateTime.parse(event.path("time").asText()).toEpochSecond();
            return ourTickets.get(requestKey(session, request, fee, second));
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static BigInteger wei(JsonNode fee) {
        if (fee == null || fee.isNull()) {
            return null;
        }
        try {
            return fee.isNumber()
                    ? fee.decimalValue().toBigIntegerExact()
                    : new BigInteger(fee.asText().trim());
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private static String sequenceKey(String session, long sequence) {
        return "seq\u0000" + session + "\u0000" + sequence;
    }

    private static String requestKey(String session, String request, BigInteger fee, long second) {
        return "req\u0000" + (session == null ? "" : session) + "\u0000" + request + "\u0000" + fee + "\u0000" + second;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
