package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Reprocessing;
import io.livepeer.clearinghouse.ledger.Reprocessing.Letter;
import io.livepeer.clearinghouse.ledger.Reprocessing.Outcome;
import io.livepeer.clearinghouse.ledger.SqlErrors;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.TicketTracker;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Meters dead-lettered raw records again (after the cause was fixed: a price, a catalog rule, a limit) and marks each
 * letter with the outcome ({@link Reprocessing#markRedriven}). Per letter, its metering ({@link UsageRecorder}: outbox
 * and ledger fan-out) and its mark commit in one transaction, so a letter is billed at most once: a letter whose
 * outcome is metered, duplicate or skipped is never selected again, and an event id already in the outbox is a
 * duplicate, not billed again. A letter refused again keeps its original reason, gets the new one as its redrive
 * reason, and may be redriven again later. Completeness is tracked as in the route (gaps and forks, when
 * {@code clearinghouse.metering.track-sequences} is on): a redriven event fills its gap, and a fork is dead-lettered
 * again with the fork's reason instead of being billed. A dry run meters the same way and writes nothing.
 */
final class DeadLetterRedrive {

    /** Lines kept for the report; the counts cover all. */
    static final int SHOWN = 50;
    /** Letters read per page. */
    static final int PAGE = 200;

    private final OfflineMetering metering;
    private final UsageRecorder recorder;
    private final Reprocessing reprocessing;
    private final TicketTracker tracker;
    private final Clock clock;

    DeadLetterRedrive(Database database, OfflineMetering metering, UsageRecorder recorder, Clock clock) {
        this.metering = metering;
        this.recorder = recorder;
        this.reprocessing = new Reprocessing(database);
        this.tracker = new TicketTracker(database);
        this.clock = clock;
    }

    /**
     * One letter's outcome.
     *
     * @param letterId dead letter id
     * @param letter   the letter
     * @param outcome  its outcome (dry: what it would be); null when another redrive took it first
     * @param eventId  the event id, may be null
     * @param detail   the subject when metered, the new reason when dead-lettered again, the type when skipped
     */
    record Line(long letterId, Letter letter, Outcome outcome, String eventId, String detail) {}

    /** What a redrive did (or, dry, would do). */
    static final class Report {
        final boolean dryRun;
        final Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        long selected;
        long takenByAnother;
        final List<Line> lines = new ArrayList<>();

        Report(boolean dryRun) {
            this.dryRun = dryRun;
            for (Outcome o : Outcome.values()) {
                counts.put(o, 0L);
            }
        }

        long count(Outcome outcome) {
            return counts.get(outcome);
        }

        void add(Line line) {
            if (line.outcome() == null) {
                takenByAnother++;
            } else {
                counts.merge(line.outcome(), 1L, Long::sum);
            }
            if (lines.size() < SHOWN) {
                lines.add(line);
            }
        }

        /** One summary sentence. */
        String summary() {
            String verb = dryRun ? "would be " : "";
            return selected + " dead letter(s) selected: " + count(Outcome.METERED) + " " + verb + "metered, "
                    + count(Outcome.DUPLICATE) + " duplicate(s) (already billed, not billed again), "
                    + count(Outcome.DEAD_LETTERED) + " " + verb + "dead-lettered again, " + count(Outcome.SKIPPED)
                    + " skipped (not metered types)"
                    + (takenByAnother == 0 ? "" : ", " + takenByAnother + " taken by another redrive");
        }
    }

    /**
     * Redrives the letters whose current reason contains {@code reason}, dead-lettered at or after {@code since}.
     *
     * @throws SQLException when the database fails (letters done so far keep their marks)
     */
    Report run(String reason, Instant since, boolean dryRun) throws SQLException {
        Report report = new Report(dryRun);
        Set<String> meteredThisRun = new HashSet<>();
        long after = 0;
        while (true) {
            List<Letter> page = reprocessing.redrivable(reason, since, after, PAGE);
            if (page.isEmpty()) {
                return report;
            }
            for (Letter letter : page) {
                report.selected++;
                report.add(dryRun ? dry(letter, meteredThisRun) : redrive(letter));
                after = letter.id();
            }
        }
    }

    private Line dry(Letter letter, Set<String> meteredThisRun) throws SQLException {
        OfflineMetering.Result r = metering.meter(letter.raw(), letter.source(), letter.key(), clock.instant());
        return switch (r.kind()) {
            case METERED -> {
                String fork = forkReason(r);
                if (fork != null) {
                    yield new Line(letter.id(), letter, Outcome.DEAD_LETTERED, r.eventId(), fork);
                }
                boolean duplicate =
                        !reprocessing.billed(List.of(r.eventId())).isEmpty() || !meteredThisRun.add(r.eventId());
                yield new Line(
                        letter.id(), letter, duplicate ? Outcome.DUPLICATE : Outcome.METERED, r.eventId(), r.detail());
            }
            case REJECTED -> new Line(letter.id(), letter, Outcome.DEAD_LETTERED, r.eventId(), r.detail());
            case SKIPPED -> new Line(letter.id(), letter, Outcome.SKIPPED, null, r.detail());
        };
    }

    /**
     * Meters a letter in its redrive transaction through the route's store, with completeness tracking when it is on:
     * the event is recorded for gap detection (a redriven event fills its gap), and a fork (its id billed with other
     * content, or its session sequence billed by another event) is not billed: the letter is dead-lettered again with
     * the fork's reason and gets the first payload.
     */
    private Reprocessing.Mark meter(OfflineMetering.Result r) throws SQLException {
        String fork = forkReason(r);
        UsageRecorder.Result stored =
                recorder.record(List.of(r.outbox()), metering.tracksSequences() ? List.of(r.facts()) : null, List.of());
        if (stored.inserted() == 1) {
            return new Reprocessing.Mark(Outcome.METERED, null);
        }
        if (stored.duplicates() == 1) {
            return new Reprocessing.Mark(Outcome.DUPLICATE, null);
        }
        return new Reprocessing.Mark(
                Outcome.DEAD_LETTERED,
                fork != null
                        ? fork
                        : stored.newDeadLetters().isEmpty()
                                ? TicketTracker.FORK + ": quarantined by completeness tracking"
                                : stored.newDeadLetters().get(0).reason());
    }

    /** The reason the route's completeness tracking would quarantine this metered record with, or null. */
    private String forkReason(OfflineMetering.Result r) throws SQLException {
        if (!metering.tracksSequences()) {
            return null;
        }
        List<TicketTracker.Fork> forks =
                tracker.preview(List.of(r.outbox()), List.of(r.facts())).forks();
        return forks.isEmpty() ? null : forks.get(0).deadLetter().reason();
    }

    private Line redrive(Letter letter) throws SQLException {
        Instant now = clock.instant();
        OfflineMetering.Result r = metering.meter(letter.raw(), letter.source(), letter.key(), now);
        try {
            Outcome outcome = reprocessing.redrive(
                    letter.id(),
                    () -> switch (r.kind()) {
                        case METERED -> meter(r);
                        case REJECTED -> new Reprocessing.Mark(Outcome.DEAD_LETTERED, r.detail());
                        case SKIPPED -> new Reprocessing.Mark(Outcome.SKIPPED, null);
                    },
                    now);
            // null: another redrive gave it a final outcome first, and this one's metering was rolled back
            return new Line(
                    letter.id(),
                    letter,
                    outcome,
                    r.eventId(),
                    outcome == null ? "taken by another redrive" : r.detail());
        } catch (SQLException e) {
            if (!SqlErrors.refusesData(e)) {
                throw e;
            }
            String refused = "refused by the database: " + SqlErrors.reason(e);
            reprocessing.markRedriven(letter.id(), Outcome.DEAD_LETTERED, refused, now);
            return new Line(letter.id(), letter, Outcome.DEAD_LETTERED, r.eventId(), refused);
        }
    }
}
