package io.livepeer.clearinghouse.ledger;

import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.UsagePosting;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Records one consumed batch of signer events in a single database transaction: the metered events into the outbox,
 * their usage into the credit ledger ({@code customer:<subject>} → usage revenue, for new events only), and the bad
 * input into dead letters. Either all of it is committed or none of it, so the Kafka offsets may be committed once
 * this returns, and replaying an uncommitted batch never double-counts (event ids and transfer ids are unique).
 */
public final class UsageRecorder {

    private final Database database;
    private final Ledger ledger;
    private final Clock clock;

    /**
     * @param database the database
     * @param ledger   the credit ledger, or null to skip the usage fan-out
     * @param clock    clock
     */
    public UsageRecorder(Database database, Ledger ledger, Clock clock) {
        this.database = database;
        this.ledger = ledger;
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
            List<UsagePosting> usage = new ArrayList<>();
            for (int i = 0; i < seqs.length; i++) {
                if (seqs[i] > 0) {
                    OutboxEntry e = metered.get(i);
                    usage.add(new UsagePosting(e.eventId(), e.subject(), e.billableMicros(), Metadata.of(
                            "fee_wei", e.feeWei().toString(),
                            "network_usd_micros", Amounts.micros(e.networkMicros()).toPlainString(),
                            "orch_address", e.orchAddress(),
                            "pipeline", e.pipeline(),
                            "model_id", e.modelId())));
                }
            }
            int posted = ledger == null ? 0 : ledger.postUsage(c, usage, now);
            int deadLettered = DeadLetters.append(c, deadLetters, now);
            return new Result(usage.size(), metered.size() - usage.size(), deadLettered, posted);
        });
    }

    /**
     * @param inserted       new outbox rows
     * @param duplicates     metered events whose id was already in the outbox (redelivery or replay)
     * @param deadLettered   new dead letters
     * @param usageTransfers usage transfers posted to the ledger
     */
    public record Result(int inserted, int duplicates, int deadLettered, int usageTransfers) {
    }
}
