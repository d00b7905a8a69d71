package io.livepeer.clearinghouse.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs the identity sequences of an H2 file database when it is opened, before the pool and the routes use it: the
 * defence against two defects of H2's (2.3.232, also 2.5.252) recovery after the process that had the file open was
 * killed (SIGKILL, OOM kill), found by the fault tests (docs/operations.md, "H2 after a kill").
 *
 * <ul>
 *   <li><b>A sequence row left locked.</b> An identity sequence writes its next block of 32 values to H2's meta table
 *       through H2's system session. A kill can leave that row's update in the file without its undo record, so it is
 *       never rolled back: it stays "uncommitted" by the killed process's transaction id. H2 hands transaction ids out
 *       again from 1, and whichever live transaction gets that id now owns the stale row: when that transaction needs
 *       a new block (every 32 rows), the system session waits for it, i.e. for itself, 2 s ({@code LOCK_TIMEOUT}), and
 *       fails with "Concurrent update" (90131). H2 then retries the whole multi-row {@code INSERT} without undoing its
 *       first try, and reports a unique violation (23505) on the statement's first row. Metering saw that as a race
 *       and stored its batches in halves, ~31 records per 4 s: a stalled partition.</li>
 *   <li><b>A sequence behind its rows.</b> The value H2 keeps for a sequence can trail the rows already committed
 *       with it (by less than one block, as seen); new rows then collide with committed ones (23505 on the primary
 *       key).</li>
 * </ul>
 *
 * <p>The repair rewrites every identity sequence ({@code ALTER TABLE … ALTER COLUMN … RESTART WITH}) at the larger of
 * its stored next value and the column's maximum plus one, so it never moves backwards. Rewriting the meta row
 * replaces a stale one when no live transaction holds its id: once while a second connection holds the lowest id and
 * lets it go, once without; one of the two passes always succeeds (a pass that meets its own id waits H2's 2 s and is
 * logged). It runs only when this process is the database's only session (the process that opened the file, before
 * its pool) and an administrator: never beside a running application that serves the file ({@code AUTO_SERVER}).
 */
final class H2IdentityRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(H2IdentityRecovery.class);

    private H2IdentityRecovery() {}

    /**
     * Repairs the identity sequences of the H2 database at {@code url} when this is its only session; does nothing
     * otherwise, or for a database without tables yet.
     *
     * @param url      the pool's H2 URL ({@link SqlDialect#connectionUrl})
     * @param user     user
     * @param password password (never logged)
     * @return how many identity columns were rewritten, -1 when skipped (other sessions use the database, or the user
     *     is not an administrator)
     * @throws SQLException when the database cannot be opened or read (a failed rewrite is logged, not thrown)
     */
    static int repair(String url, String user, String password) throws SQLException {
        List<Identity> identities;
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            // only an administrator sees every session (and may alter every table)
            try (ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS),"
                    + " (SELECT IS_ADMIN FROM INFORMATION_SCHEMA.USERS WHERE USER_NAME = CURRENT_USER)")) {
                rs.next();
                if (rs.getLong(1) > 1 || !rs.getBoolean(2)) {
                    LOG.debug("H2 identity repair skipped: other sessions use the database, or the user is no admin");
                    return -1;
                }
            }
            identities = identities(s);
            if (identities.isEmpty()) {
                return 0;
            }
            // pass 1 (holder): the lowest transaction id is held by a second connection and let go while this one
            // rewrites; a stale row of that id (or of any id but this connection's) is replaced
            if (!rewrite(c, identities, DriverManager.getConnection(url, user, password))) {
                // pass 2: this connection holds the lowest id, the system session the next: replaces the stale row of
                // the id pass 1 met as its own
                if (!rewrite(c, identities, null)) {
                    LOG.warn("H2 identity repair: a sequence row is still locked after both passes; inserts into its"
                            + " table may fail until the next clean restart (docs/operations.md, \"H2 after a kill\")");
                }
            }
        }
        return identities.size();
    }

    /** Rewrites every sequence; false when one of them failed. Closes {@code holder}. */
    private static boolean rewrite(Connection c, List<Identity> identities, Connection holder) throws SQLException {
        CompletableFuture<Void> release = null;
        try {
            if (holder != null) {
                holder.setAutoCommit(false);
                try (Statement h = holder.createStatement();
                        ResultSet rs = h.executeQuery("SELECT 1")) {
                    rs.next(); // begins the holder's transaction: it takes the lowest free id
                }
                release = CompletableFuture.runAsync(
                        () -> {
                            try {
                                holder.commit();
                            } catch (SQLException e) {
                                LOG.debug("H2 identity repair: releasing the holder failed", e);
                            }
                        },
                        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));
            }
            boolean all = true;
            try (Statement s = c.createStatement()) {
                for (Identity identity : identities) {
                    long restart = restartValue(s, identity);
                    try {
                        s.execute("ALTER TABLE " + identity.table() + " ALTER COLUMN " + identity.column()
                                + " RESTART WITH " + restart);
                    } catch (SQLException e) {
                        all = false;
                        LOG.info(
                                "H2 identity repair: {}.{} not rewritten in this pass ({}); trying the other pass",
                                identity.table(),
                                identity.column(),
                                e.getErrorCode());
                    }
                }
            }
            return all;
        } finally {
            if (release != null) {
                release.join();
            }
            if (holder != null) {
                holder.close();
            }
        }
    }

    /** The larger of the stored next value and the column's maximum plus one. */
    private static long restartValue(Statement s, Identity identity) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT c.IDENTITY_BASE, (SELECT MAX(" + identity.column() + ") FROM "
                + identity.table() + ") FROM INFORMATION_SCHEMA.COLUMNS c WHERE c.TABLE_SCHEMA = "
                + literal(identity.schema()) + " AND c.TABLE_NAME = " + literal(identity.tableName())
                + " AND c.COLUMN_NAME = " + literal(identity.columnName()))) {
            rs.next();
            long base = rs.getLong(1);
            long max = rs.getLong(2);
            if (rs.wasNull() || base > max) {
                return base;
            }
            LOG.warn(
                    "H2 identity repair: {}.{} would have handed out {} again, its rows go up to {}: restarted after them"
                            + " (the database was not closed cleanly)",
                    identity.table(),
                    identity.column(),
                    base,
                    max);
            return max + 1;
        }
    }

    private static List<Identity> identities(Statement s) throws SQLException {
        List<Identity> found = new ArrayList<>();
        try (ResultSet rs =
                s.executeQuery("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS"
                        + " WHERE IS_IDENTITY = 'YES' AND TABLE_SCHEMA <> 'INFORMATION_SCHEMA'"
                        + " ORDER BY TABLE_SCHEMA, TABLE_NAME")) {
            while (rs.next()) {
                found.add(new Identity(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        }
        return found;
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** An identity column, by its stored (case-exact) names. */
    private record Identity(String schema, String tableName, String columnName) {
        String table() {
            return quoted(schema) + "." + quoted(tableName);
        }

        String column() {
            return quoted(columnName);
        }
    }
}
