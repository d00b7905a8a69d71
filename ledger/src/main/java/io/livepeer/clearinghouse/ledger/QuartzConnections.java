package io.livepeer.clearinghouse.ledger;

import java.sql.Connection;
import java.sql.SQLException;
import org.quartz.utils.ConnectionProvider;

/**
 * Quartz's JDBC job store (clustered jobs, tables {@code QRTZ_*} from migration V12) on the application's own pool:
 * routes core {@code ClusteredJobs} registers it with Quartz's {@code DBConnectionManager}. Quartz manages its own
 * transactions on these connections (it turns auto-commit off); closing one returns it to the pool.
 */
public final class QuartzConnections implements ConnectionProvider {

    private final Database database;

    public QuartzConnections(Database database) {
        this.database = database;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return database.dataSource().getConnection();
    }

    @Override
    public void shutdown() {
        // the pool belongs to the application
    }

    @Override
    public void initialize() {
        // the pool is open already
    }
}
