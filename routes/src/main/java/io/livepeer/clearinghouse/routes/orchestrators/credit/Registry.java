package io.livepeer.clearinghouse.routes.orchestrators.credit;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.earnings.Attribution;
import io.livepeer.clearinghouse.ledger.earnings.EarningsCredit;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.http.ApiJson;
import java.io.IOException;

/** How crediting reads the orchestrator registry: addresses for attribution and hosts, and the credit seam. */
public final class Registry {

    private Registry() {}

    /** The addresses of a registry record that attribution and host choice look at. */
    public static Attribution.Addresses addresses(Orchestrator o) {
        return new Attribution.Addresses(
                o.orchestratorId(),
                o.hostName(),
                o.hostPublicIp(),
                o.lastSeenIp(),
                o.lastSessionUpstreamAddr(),
                o.healthUrl(),
                forwarderIp(o));
    }

    /** Credits through the registry's idempotent {@link OrchestratorStore#credit}. */
    public static EarningsCredit credit(OrchestratorStore store) {
        return (id, wei, transferId, reason, metadata) ->
                store.credit(id, wei, transferId, reason, metadata).created();
    }

    private static String forwarderIp(Orchestrator o) {
        if (o.forwarderHealth() == null || o.forwarderHealth().data() == null) {
            return null;
        }
        try {
            JsonNode data = ApiJson.mapper().readTree(o.forwarderHealth().data());
            JsonNode ip = data == null ? null : data.get("ip");
            return ip != null && ip.isTextual() ? ip.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
