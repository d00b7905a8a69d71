package io.livepeer.clearinghouse.ledger.spend;

import io.livepeer.clearinghouse.ledger.spend.SpendStore.Reservation;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of reservations: concurrent {@code /authorize} calls on this instance are decided several per database
 * transaction ({@link SpendStore#reserveAll}) instead of one transaction (row lock, reads, insert, commit) each.
 *
 * <p>Calls are spread over {@code lanes} by customer key (one customer always uses the same lane), each lane with one
 * thread that takes whatever calls are waiting, at most {@code maxBatch}, decides them in one transaction and
 * answers them all after its commit. There is no timed wait: a lane that is idle decides a call at once (a batch of
 * one); calls that arrive while a batch is in the database form the next batch, so batches grow only with load. The
 * decisions are exactly those of deciding the calls one after the other (each sees the holds of the earlier ones),
 * and batches lock their customers in key order, so they cannot deadlock with each other or with other instances.
 * A batch that fails (a statement, the commit) is retried call by call, so one bad call fails only itself.
 */
public final class GroupCommit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    private final SpendStore store;
    private final int maxBatch;
    private final long timeoutMillis;
    private final List<LinkedBlockingQueue<Pending<?>>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Starts the lanes' threads (daemon threads named {@code spend-group-commit-N}).
     *
     * @param store         the spend tables
     * @param lanes         lanes (threads, so at most that many transactions of this instance at a time), at least 1
     * @param maxBatch      the most calls per transaction, at least 1
     * @param timeoutMillis how long a caller waits for its decision before it gets an {@link SQLException}
     */
    public GroupCommit(SpendStore store, int lanes, int maxBatch, long timeoutMillis) {
        if (lanes < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("lanes and maxBatch must be at least 1");
        }
        this.store = store;
        this.maxBatch = maxBatch;
        this.timeoutMillis = timeoutMillis;
        for (int i = 0; i < lanes; i++) {
            LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
            queues.add(queue);
            Thread t = new Thread(() -> run(queue), "spend-group-commit-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /**
     * Decides one reservation in the next batch of its lane, waiting for the batch's commit.
     *
     * @return the planner's decision (its hold is committed)
     * @throws SQLException when the database fails it, it is not decided within the timeout (it may still commit
     *                      later: a hold that nothing settles expires), or this is closed
     */
    public <T> T reserve(Reservation<T> reservation) throws SQLException {
        if (closed) {
            throw new SQLException("spend group commit is closed");
        }
        Pending<T> pending = new Pending<>(reservation);
        queues.get(Math.floorMod(reservation.customerKey().hashCode(), queues.size()))
                .add(pending);
        try {
            return pending.result.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new SQLException("reservation failed", e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("reservation not decided within " + timeoutMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the reservation");
        }
    }

    private void run(LinkedBlockingQueue<Pending<?>> queue) {
        List<Pending<?>> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, maxBatch - 1);
            decide(batch);
            batch.clear();
        }
        Pending<?> left;
        while ((left = queue.poll()) != null) {
            left.result.completeExceptionally(new SQLException("spend group commit is closed"));
        }
    }

    private void decide(List<Pending<?>> batch) {
        try {
            List<Reservation<?>> reservations = new ArrayList<>(batch.size());
            batch.forEach(p -> reservations.add(p.reservation));
            List<Object> decisions = store.reserveAll(reservations);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).complete(decisions.get(i));
            }
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).result.completeExceptionally(e);
                return;
            }
            LOG.debug(
                    "spend group commit: a batch of {} failed ({}), deciding its calls one by one",
                    batch.size(),
                    e.toString());
            for (Pending<?> p : batch) {
                try {
                    p.complete(store.reserveAll(List.of(p.reservation)).get(0));
                } catch (SQLException | RuntimeException one) {
                    p.result.completeExceptionally(one);
                }
            }
        }
    }

    /** Stops the lanes; calls still waiting fail with an {@link SQLException}. */
    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
    }

    private static final class Pending<T> {
        final Reservation<T> reservation;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Pending(Reservation<T> reservation) {
            this.reservation = reservation;
        }

        void complete(Object decision) {
            result.complete(reservation.type(decision));
        }
    }
}
