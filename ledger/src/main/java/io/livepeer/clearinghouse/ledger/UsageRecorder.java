package io.livepeer.clearinghouse.ledger;

import io.livepeer.clearinghouse.ledger.completeness.TicketFacts;
import io.livepeer.clearinghouse.ledger.completeness.TicketTracker;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxWriter;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records one consumed batch of signer events in a single database transaction: the metered events into the outbox,
 * their usage into the credit ledger ({@code customer:<subject>} → usage revenue, for new events only), and the bad
 * input into dead letters. The outbox row is the usage posting (V9): it records the two accounts, the usage transfer
 * {@code usage:<event id>} is read from it, and the ledger only updates balances, once per customer per batch
 * ({@link Ledger#applyUsage}). Either all of it is committed or none of it, so the Kafka offsets may be committed once
 * this returns, and replaying an uncommitted batch never double-counts (event ids and transfer ids are unique).
 *
 * <p>The transaction is opened here; {@link OutboxWriter#append}, {@link Ledger#applyUsage} and
 * {@link DeadLetters#append} join it (the one rule of {@link Database}).
 */
public final class UsageRecorder {

    private final Database database;
    private final OutboxWriter outbox;
    private final DeadLetters deadLetterStore;
    private final Ledger ledger;
    private final TicketTracker tracker;
    private final SpendStore spend;
    private final Clock clock;

    /**
     * @param database the database
     * @param ledger   the credit ledger on the same database (so it joins the batch transaction), or null to skip
     *                 the usage fan-out
     * @param clock    clock
     * @throws IllegalArgumentException when the ledger works on another {@link Database} instance
     */
    public UsageRecorder(Database database, Ledger ledger, Clock clock) {
        if (ledger != null && ledger.database() != database) {
            throw new IllegalArgumentException("the ledger must use the same Database instance as the recorder,"
                    + " or its postings would not join the batch transaction");
        }
        this.database = database;
        this.outbox = new OutboxWriter(database);
        this.deadLetterStore = new DeadLetters(database);
        this.ledger = ledger;
        this.tracker = new TicketTracker(database);
        this.spend = ledger == null ? null : new SpendStore(database, ledger, clock);
        this.clock = clock;
    }

    /**
     * @param metered     metered events, in consumption order
     * @param deadLetters records that could not be metered
     * @return what was new and what was a duplicate
     * @throws SQLException when the transaction fails (nothing was written); {@link SqlErrors#refusesData} tells a
     *     row the database refuses from a database that is unavailable
     */
    public Result record(List<OutboxEntry> metered, List<DeadLetterEntry> deadLetters) throws SQLException {
        return record(metered, null, deadLetters);
    }

    /**
     * Like {@link #record(List, List)}, with completeness tracking ({@link TicketTracker}) in the same transaction:
     * forks are quarantined as dead letters (reason {@value TicketTracker#FORK}, both payloads kept) and never billed;
     * the other events are recorded for gap detection.
     *
     * @param facts for each metered event its {@link TicketFacts} (same order), or null to skip tracking
     */
    public Result record(List<OutboxEntry> metered, List<TicketFacts> facts, List<DeadLetterEntry> deadLetters)
            throws SQLException {
        var now = clock.instant();
        return database.inTransaction(h -> {
            // PostgreSQL: the session summaries are written last (TicketTracker#screenDeferringSummary), so the rows
            // other partition shares and instances meet on are held for this transaction's commit only
            TicketTracker.Deferred deferred = facts == null
                    ? null
                    : database.dialect() == SqlDialect.POSTGRESQL
                            ? tracker.screenDeferringSummary(metered, facts, now)
                            : new TicketTracker.Deferred(
                                    tracker.screen(metered, facts, now), metered, facts, List.of(), now);
            TicketTracker.Screened screened = deferred == null ? null : deferred.screened();
            List<OutboxEntry> stored = screened == null ? metered : screened.store();
            List<DeadLetterEntry> letters = deadLetters;
            if (screened != null && !screened.forks().isEmpty()) {
                letters = new ArrayList<>(deadLetters);
                letters.addAll(screened.deadLetters());
            }
            // the outbox row is the usage posting (V9): no transfer row, only the balances of the new rows' accounts
            OutboxWriter.UsageAccounts accounts = ledger == null || stored.isEmpty()
                    ? null
                    : ledger.usageAccounts(
                            stored.stream().map(OutboxEntry::subject).toList());
            long[] seqs = outbox.append(stored, now, accounts);
            Map<String, BigDecimal> billable = new HashMap<>();
            List<String> insertedIds = new ArrayList<>();
            for (int i = 0; i < seqs.length; i++) {
                if (seqs[i] > 0) {
                    OutboxEntry e = stored.get(i);
                    insertedIds.add(e.eventId());
                    billable.merge(e.subject(), e.billableMicros(), BigDecimal::add);
                }
            }
            int inserted = insertedIds.size();
            int posted = 0;
            if (accounts != null) {
                ledger.applyUsage(accounts, billable, now);
                posted = inserted;
            }
            if (spend != null && inserted > 0) {
                spend.settle(settlements(stored, seqs, metered, facts));
            }
            List<DeadLetterEntry> newDeadLetters = deadLetterStore.appendNew(letters, now);
            if (screened != null) {
                tracker.attachFirstPayloads(screened.forks());
                tracker.summarize(deferred);
            }
            return new Result(inserted, stored.size() - inserted, newDeadLetters, posted, insertedIds);
        });
    }

    /**
     * The holds the new events settle (spend control, issue 13): each new event with its session and sequence when
     * completeness facts are at hand.
     */
    private static List<SpendStore.Settlement> settlements(
            List<OutboxEntry> stored, long[] seqs, List<OutboxEntry> metered, List<TicketFacts> facts) {
        Map<String, TicketFacts> byEvent = new HashMap<>();
        if (facts != null) {
            for (int i = 0; i < metered.size() && i < facts.size(); i++) {
                byEvent.put(metered.get(i).eventId(), facts.get(i));
            }
        }
        List<SpendStore.Settlement> settlements = new ArrayList<>();
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] > 0) {
                OutboxEntry e = stored.get(i);
                TicketFacts f = byEvent.get(e.eventId());
                boolean sequenced = f != null && f.sequenced();
                settlements.add(new SpendStore.Settlement(
                        e.eventId(),
                        e.subject(),
                        sequenced ? f.sessionId() : null,
                        sequenced ? f.sequenceNumber() : null,
                        e.billableMicros()));
            }
        }
        return settlements;
    }

    /**
     * @param inserted       new outbox rows
     * @param duplicates     metered events whose id was already in the outbox (redelivery or replay)
     * @param newDeadLetters the dead letters that were new (not kept before by an earlier try of the same records)
     * @param usageTransfers usage transfers posted to the ledger
     * @param insertedIds    the event ids of the new outbox rows ({@code inserted} of them), so that what is counted
     *                       once per event (the price audit metrics) is counted from this, never again when a
     *                       committed batch is read again
     */
    public record Result(
            int inserted,
            int duplicates,
            List<DeadLetterEntry> newDeadLetters,
            int usageTransfers,
            List<String> insertedIds) {

        /** Nothing stored. */
        public static final Result NONE = new Result(0, 0, List.of(), 0, List.of());

        public Result {
            newDeadLetters = List.copyOf(newDeadLetters);
            insertedIds = List.copyOf(insertedIds);
            if (insertedIds.size() != inserted) {
                throw new IllegalArgumentException("one inserted id per inserted row");
            }
        }

        /** How many dead letters were new. */
        public int deadLettered() {
            return newDeadLetters.size();
        }

        /** This result and {@code other} added up (parts of one batch stored separately). */
        public Result plus(Result other) {
            List<DeadLetterEntry> all = new ArrayList<>(newDeadLetters);
            all.addAll(other.newDeadLetters);
            List<String> ids = new ArrayList<>(insertedIds);
            ids.addAll(other.insertedIds);
            return new Result(
                    inserted + other.inserted,
                    duplicates + other.duplicates,
                    all,
                    usageTransfers + other.usageTransfers,
                    ids);
        }
    }
}
