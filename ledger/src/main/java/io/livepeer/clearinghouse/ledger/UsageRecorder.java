package io.livepeer.clearinghouse.ledger;

import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

/**
 * Records one consumed batch of signer events in a single database transaction: the metered events into the outbox
 * and the bad input into dead letters. Either all of it is committed or none of it, so the Kafka offsets may be
 * committed once this returns and replaying an uncommitted batch never double-counts (ids are unique).
 */
public final class UsageRecorder {

    private final Database database;
    private final Clock clock;

    public UsageRecorder(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * @param metered     metered events, in consumption order
     * @param deadLetters records that could not be metered
     * @return what was new and what was a duplicate
     * @throws SQLException when the transaction fails (nothing was written)
     */
    public Result record(List<OutboxEntry> metered, List<DeadLetterEntry> deadLetters) throws SQLException {
        var now = clock.instant();
        return database.inTransaction(c -> {
            long[] seqs = Outbox.append(c, database.dialect(), metered, now);
            int fresh = 0;
            for (long seq : seqs) {
                fresh += seq > 0 ? 1 : 0;
            }
            int deadLettered = DeadLetters.append(c, deadLetters, now);
            return new Result(fresh, metered.size() - fresh, deadLettered);
        });
    }

    /**
     * @param inserted     new outbox rows
     * @param duplicates   metered events whose id was already in the outbox (redelivery or replay)
     * @param deadLettered new dead letters
     */
    public record Result(int inserted, int duplicates, int deadLettered) {
    }
}
