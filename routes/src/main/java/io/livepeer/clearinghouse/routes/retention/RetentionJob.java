package io.livepeer.clearinghouse.routes.retention;

import io.livepeer.clearinghouse.ledger.Retention;
import java.sql.SQLException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retention pass: with {@code dryRun}, counts what the policy would remove and logs it; otherwise removes it (in
 * batches, {@link Retention#prune}) and logs what was removed. Either way the metrics are updated. A failed pass is
 * logged and counted; the next tick tries again. Running on several instances at once is safe: every step is an
 * idempotent UPDATE or DELETE, so the others only find less to do.
 */
public final class RetentionJob {

    private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);

    private final Retention retention;
    private final RetentionSettings settings;
    private final RetentionMetrics metrics;
    private final Clock clock;

    /**
     * @param retention the ledger module's retention over the application's database
     * @param settings  the policy and mode
     * @param metrics   where results are counted
     * @param clock     clock
     */
    public RetentionJob(Retention retention, RetentionSettings settings, RetentionMetrics metrics, Clock clock) {
        this.retention = retention;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Runs one pass.
     *
     * @return what was removed (or, in a dry run, what would be), or null when the pass failed
     */
    public Retention.Report run() {
        try {
            Retention.Report report =
                    settings.dryRun() ? retention.report(settings.policy()) : retention.prune(settings.policy());
            metrics.passed(report, settings.dryRun(), clock.instant());
            if (settings.dryRun()) {
                LOG.info("Retention (dry run, RETENTION_DRY_RUN=true): {}; nothing was removed", report.summary(true));
            } else {
                LOG.info("Retention: {}", report.summary(false));
            }
            return report;
        } catch (SQLException | RuntimeException e) {
            metrics.failed();
            LOG.warn("Retention pass failed, will try again in {}: {}", settings.interval(), e.getMessage());
            return null;
        }
    }
}
