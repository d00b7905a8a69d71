package io.livepeer.clearinghouse.routes.core;

import io.livepeer.clearinghouse.ledger.Database;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness: DOWN when the database does not answer. */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final Database database;

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
        if (database.isReachable()) {
            builder.up();
        } else {
            builder.down().message("database unreachable: usage cannot be stored, consumption is paused");
        }
    }
}
