package io.livepeer.clearinghouse.routes.orchestrators;

import java.time.Instant;
import java.util.Map;

/**
 * Hook for session billing, activity leases and autosleep (issue 11, the crediting part): what an orchestrator is
 * doing now. The read side ({@code GET /api/orchestrators[/{id}]}) asks the one bound in the Camel registry, or
 * {@link #NONE} when none is; {@code in_use}, {@code active} and {@code active_reason} follow the backend's
 * {@code _compute_activity_fields} order (session, activity lease, fresh forwarder health, recent contact).
 */
public interface OrchestratorActivity {

    /** Nothing active (no session billing installed). */
    OrchestratorActivity NONE = (id, now) -> Activity.NONE;

    /** What {@code orchestratorId} is doing at {@code now}. */
    Activity of(String orchestratorId, Instant now) throws Exception;

    /**
     * @param activeSessions      sessions without an end seen within the idle timeout
     * @param activeLeases        unrevoked leases not yet expired
     * @param lastActivityAt      latest session or lease activity, may be null
     * @param details             extra fields for the read side (e.g. {@code sessions}, {@code leases},
     *                            {@code autosleep}: the last autosleep decision), may be empty
     */
    record Activity(int activeSessions, int activeLeases, Instant lastActivityAt, Map<String, Object> details) {
        /** Nothing active. */
        public static final Activity NONE = new Activity(0, 0, null, Map.of());

        /** Sessions or leases active. */
        public boolean inUse() {
            return activeSessions > 0 || activeLeases > 0;
        }
    }
}
