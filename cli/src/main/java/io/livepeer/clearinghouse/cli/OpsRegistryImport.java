package io.livepeer.clearinghouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.processors.orchestrators.OrchestratorAddress;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers the orchestrators of a livepeer-ops data directory: {@code registry.json} (the backend's registry,
 * {@code payments/registry.py}: an object keyed by orchestrator id) and {@code orchestrators.json} (its bootstrap
 * file, {@code PAYMENTS_BOOTSTRAP_ORCHESTRATORS_PATH}: a list, or an object keyed by id). Ids and addresses are kept
 * (addresses EIP-55 checksummed), with {@code capability}, {@code contact_email}, {@code host_public_ip},
 * {@code host_name}, {@code health_url}, {@code health_timeout}, {@code monitored_services},
 * {@code min_service_uptime} and {@code denylisted}; health state (cooldowns, misses) starts afresh. An entry that
 * conflicts (address bound to another id, another address for an id) or is malformed is reported, not imported.
 * Idempotent: importing again registers the same orchestrators again (their registration count grows).
 */
final class OpsRegistryImport {

    private final OrchestratorStore store;

    OpsRegistryImport(OrchestratorStore store) {
        this.store = store;
    }

    /**
     * @param files the files to read, in order (missing ones are skipped)
     * @return what happened
     */
    Report run(List<Path> files) throws IOException, SQLException {
        List<String> imported = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JsonNode root = Metadata.JSON.readTree(file.toFile());
            for (Map.Entry<String, JsonNode> e : entries(root).entrySet()) {
                String where = file.getFileName() + " " + e.getKey();
                try {
                    String id = importOne(e.getKey(), e.getValue());
                    if (!imported.contains(id)) {
                        imported.add(id);
                    }
                } catch (IllegalArgumentException | LedgerException ex) {
                    errors.add(where + ": " + ex.getMessage());
                }
            }
        }
        return new Report(imported, errors);
    }

    /** id → record, from a list or an object keyed by id. */
    private static Map<String, JsonNode> entries(JsonNode root) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (root == null) {
            return out;
        }
        if (root.isArray()) {
            int i = 0;
            for (JsonNode n : root) {
                String id = n.path("orchestrator_id").asText("");
                out.put(id.isEmpty() ? "#" + i : id, n);
                i++;
            }
        } else if (root.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), e.getValue());
            }
        } else {
            throw new IllegalArgumentException("expected a JSON list or object of orchestrators");
        }
        return out;
    }

    private String importOne(String key, JsonNode n) throws SQLException {
        if (!n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String id = text(n, "orchestrator_id");
        if (id == null) {
            id = key;
        }
        String address = OrchestratorAddress.checksummed(text(n, "address"));
        List<String> services = null;
        if (n.path("monitored_services").isArray()) {
            services = new ArrayList<>();
            for (JsonNode s : n.path("monitored_services")) {
                services.add(s.asText());
            }
        }
        Registration r = new Registration(
                id,
                address,
                text(n, "capability"),
                text(n, "contact_email"),
                text(n, "host_public_ip"),
                text(n, "host_name"),
                text(n, "health_url"),
                decimal(n, "health_timeout"),
                services,
                decimal(n, "min_service_uptime"),
                Metadata.of("imported_from", "livepeer-ops"));
        store.register(r, "import");
        if (n.path("denylisted").asBoolean(false)) {
            store.setDenylisted(id, true, "denylisted in livepeer-ops");
        }
        return id;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isBlank()
                ? null
                : v.asText().trim();
    }

    private static BigDecimal decimal(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        try {
            return new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " is not a number: '" + v.asText() + "'");
        }
    }

    /**
     * @param imported orchestrator ids registered
     * @param errors   entries refused, with the reason
     */
    record Report(List<String> imported, List<String> errors) {}
}
