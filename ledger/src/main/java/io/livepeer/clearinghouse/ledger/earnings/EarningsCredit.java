package io.livepeer.clearinghouse.ledger.earnings;

import java.math.BigInteger;
import java.sql.SQLException;
import java.util.Map;

/**
 * Posts an orchestrator credit: an idempotent ledger transfer of whole wei from the system earnings account to
 * {@code orchestrator:<id>}. Called inside the caller's transaction (the ledger joins the thread's handle), so the
 * credit and the record that explains it commit together.
 */
@FunctionalInterface
public interface EarningsCredit {

    /**
     * @param orchestratorId the registered orchestrator
     * @param wei            whole wei, greater than 0
     * @param transferId     the idempotent transfer id
     * @param reason         the backend's reason ({@code session_time}, {@code workload_time}, {@code power_time})
     * @param metadata       the backend's ledger metadata keys
     * @return whether the transfer was created now (false: the same id was posted before)
     */
    boolean credit(
            String orchestratorId, BigInteger wei, String transferId, String reason, Map<String, Object> metadata)
            throws SQLException;
}
