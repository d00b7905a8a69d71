package io.livepeer.clearinghouse.ledger.outbox;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.Texts;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The delivery side of the usage outbox: events wait in {@code outbox_pending} (a narrow queue beside the immutable
 * {@code outbox_events}) until OpenMeter accepts them (the row is deleted: {@code DELIVERED}) or refuses them (moved
 * to {@code outbox_rejected} with the problem detail: {@code REJECTED}). States only move forward: settling an event
 * that is no longer pending changes nothing.
 */
public final class DeliveryQueue {

    private static final int MAX_ERROR = 4000;

    private final Database database;

    public DeliveryQueue(Database database) {
        this.database = database;
    }

    /**
     * The oldest pending events, in outbox order.
     *
     * @param limit at most this many
     */
    public List<PendingEvent> nextPending(int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT p.seq, o.event_id, o.cloud_event, p.attempts"
                        + " FROM outbox_pending p JOIN outbox_events o ON o.seq = p.seq ORDER BY p.seq LIMIT :limit")
                .bind("limit", limit)
                .map((rs, ctx) -> new PendingEvent(
                        rs.getLong("seq"),
                        rs.getString("event_id"),
                        rs.getString("cloud_event"),
                        rs.getInt("attempts")))
                .list());
    }

    /**
     * Marks events delivered (OpenMeter answered 2xx). Events no longer pending are left alone. One primary-key
     * delete per event in a JDBC batch ({@code = ANY(?)} is a full scan on H2), bound with plain JDBC on the handle's
     * connection: the delivery hot path.
     *
     * @return how many were pending
     */
    public int markDelivered(List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        return database.inTransaction(h -> {
            try (PreparedStatement delete =
                    h.getConnection().prepareStatement("DELETE FROM outbox_pending WHERE seq = ?")) {
                for (long seq : seqs) {
                    delete.setLong(1, seq);
                    delete.addBatch();
                }
                return changed(delete.executeBatch());
            }
        });
    }

    /**
     * Records a failed delivery attempt that will be retried (429, 5xx, timeout, connection error).
     *
     * @param error what went wrong, clipped to 4,000 characters
     * @return how many were pending
     */
    public int recordRetryableFailure(List<Long> seqs, String error, Instant at) throws SQLException {
        if (seqs.isEmpty()) {
            return 0;
        }
        String clipped = Texts.clip(error, MAX_ERROR);
        return database.inTransaction(h -> {
            PreparedBatch update = h.prepareBatch("UPDATE outbox_pending SET attempts = attempts + 1,"
                    + " last_error = :error, last_attempt_at = :at WHERE seq = :seq");
            seqs.forEach(seq -> update.bind("error", clipped)
                    .bind("at", at)
                    .bind("seq", seq)
                    .add());
            return changed(update.execute());
        });
    }

    /**
     * Moves one event to the rejected events with the server's problem detail (clipped to 4,000 characters).
     *
     * @return false if it was not pending
     */
    public boolean markRejected(long seq, String problemDetail, Instant at) throws SQLException {
        return database.inTransaction(h -> {
            int moved = h.createUpdate("INSERT INTO outbox_rejected (seq, detail, attempts, rejected_at)"
                            + " SELECT seq, :detail, attempts + 1, :at FROM outbox_pending WHERE seq = :seq")
                    .bind("detail", Texts.clip(problemDetail, MAX_ERROR))
                    .bind("at", at)
                    .bind("seq", seq)
                    .execute();
            if (moved == 0) {
                return false;
            }
            h.createUpdate("DELETE FROM outbox_pending WHERE seq = :seq")
                    .bind("seq", seq)
                    .execute();
            return true;
        });
    }

    /** Number of events waiting for delivery (the backlog gauge). */
    public long pendingCount() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT COUNT(*) AS pending FROM outbox_pending")
                .map((rs, ctx) -> rs.getLong("pending"))
                .one());
    }

    /** When the oldest pending event was written, if any is pending. */
    public Optional<Instant> oldestPendingSince() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT o.created_at FROM outbox_events o"
                        + " WHERE o.seq = (SELECT MIN(seq) FROM outbox_pending)")
                .map((rs, ctx) -> Rows.instant(rs, "created_at"))
                .findOne());
    }

    private static int changed(int[] counts) {
        int changed = 0;
        for (int count : counts) {
            changed += Math.max(count, 0);
        }
        return changed;
    }

    /**
     * An event waiting for delivery.
     *
     * @param seq        outbox position
     * @param eventId    CloudEvent id
     * @param cloudEvent CloudEvent JSON
     * @param attempts   delivery attempts so far
     */
    public record PendingEvent(long seq, String eventId, String cloudEvent, int attempts) {}
}
