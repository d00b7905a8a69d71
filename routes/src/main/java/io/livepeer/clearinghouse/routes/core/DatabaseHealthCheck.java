package io.livepeer.clearinghouse.routes.core;

import io.livepeer.clearinghouse.ledger.Database;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: DOWN when the database does not answer, and within {@link #ANSWER_WITHIN}: a connection from an
 * exhausted or unreachable pool waits up to the pool's 10 s timeout, and a probe with a 1–5 s timeout must get the
 * reason, not a timeout of its own. The probe runs on its own thread; while one is still waiting, the next check does
 * not start another and reports DOWN at once.
 */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    /** How long a check waits for the database before it says DOWN. */
    public static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);

    private final Database database;
    private CompletableFuture<Boolean> probe;

    /** @param database the database to probe */
    public DatabaseHealthCheck(Database database) {
        super("clearinghouse", "database");
        this.database = database;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("dialect", database.dialect().name().toLowerCase());
        CompletableFuture<Boolean> current;
        synchronized (this) {
            if (probe == null || probe.isDone()) {
                probe = CompletableFuture.supplyAsync(database::isReachable, DatabaseHealthCheck::probeThread);
            }
            current = probe;
        }
        boolean reachable;
        try {
            reachable = current.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            builder.down()
                    .message("database did not answer within " + ANSWER_WITHIN.toSeconds()
                            + " s: usage cannot be stored, consumption is paused");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reachable = false;
        } catch (ExecutionException e) {
            reachable = false;
        }
        if (reachable) {
            builder.up();
        } else {
            builder.down().message("database unreachable: usage cannot be stored, consumption is paused");
        }
    }

    private static void probeThread(Runnable probe) {
        Thread thread = new Thread(probe, "database-health-probe");
        thread.setDaemon(true);
        thread.start();
    }
}
