package io.livepeer.clearinghouse.ledger.credit;

import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.ledger.Metadata;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Imports a {@code livepeer-ops} data directory (the Python ops backend) into orchestrator accounts, in wei.
 *
 * <ul>
 *   <li>{@code audit/ledger-events.log}: a JSONL journal, one entry per line with {@code timestamp, event
 *       (credit|set_balance), orchestrator_id, amount, balance, delta, reason, metadata}; amounts and balances are
 *       decimal ETH strings. Each entry becomes a transfer between {@link AccountKeys#IMPORT_WEI} and
 *       {@code orchestrator:<id>}: a credit adds {@code amount}; a set_balance moves the difference between the
 *       replayed balance and {@code balance}.</li>
 *   <li>{@code balances.json}: {@code {"<orchestrator_id>": "<decimal ETH>"}}, the backend's current balances, compared
 *       with the replayed journal.</li>
 * </ul>
 * Idempotent: a journal entry's transfer id is {@code import:ops:<line>:<hash of the line>}, so running the import
 * again (or after lines were appended) posts only what is new. With {@code adoptBalances}, an orchestrator whose
 * balances.json value differs from the replayed journal gets an adjustment to that value (once).
 */
public final class OpsImport {

    private static final BigDecimal WEI_PER_ETH = BigDecimal.TEN.pow(18);

    private final Ledger ledger;

    public OpsImport(Ledger ledger) {
        this.ledger = ledger;
    }

    /**
     * @param dir           the data directory
     * @param adoptBalances post adjustments so orchestrator balances equal balances.json
     * @return what was imported and how the journal compares with balances.json
     * @throws IOException when neither file can be read
     */
    public Report run(Path dir, boolean adoptBalances) throws IOException, SQLException {
        Path journal = dir.resolve("audit").resolve("ledger-events.log");
        Path balancesFile = dir.resolve("balances.json");
        if (!Files.isRegularFile(journal) && !Files.isRegularFile(balancesFile)) {
            throw new IOException(
                    "no livepeer-ops data in " + dir + ": expected balances.json and/or" + " audit/ledger-events.log");
        }
        List<String> errors = new ArrayList<>();
        Map<String, BigInteger> replayed = new TreeMap<>();
        int lines = 0;
        int posted = 0;
        int alreadyImported = 0;
        if (Files.isRegularFile(journal)) {
            List<String> all = Files.readAllLines(journal, StandardCharsets.UTF_8);
            for (int n = 1; n <= all.size(); n++) {
                String line = all.get(n - 1);
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                try {
                    Boolean created = importLine(n, line, replayed);
                    if (created == Boolean.TRUE) {
                        posted++;
                    } else if (created == Boolean.FALSE) {
                        alreadyImported++;
                    }
                } catch (IllegalArgumentException | LedgerException e) {
                    errors.add("line " + n + ": " + e.getMessage());
                }
            }
        }
        Map<String, BigInteger> snapshot = new TreeMap<>();
        if (Files.isRegularFile(balancesFile)) {
            JsonNode root = Metadata.JSON.readTree(balancesFile.toFile());
            if (root == null || !root.isObject()) {
                throw new IOException(balancesFile + " is not a JSON object of orchestrator id → ETH balance");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    snapshot.put(e.getKey(), wei(e.getValue(), "balance of " + e.getKey()));
                } catch (IllegalArgumentException ex) {
                    errors.add("balances.json: " + ex.getMessage());
                }
            }
        }
        List<Difference> differences = new ArrayList<>();
        int adopted = 0;
        for (String orchestrator : new TreeSet<>(union(replayed, snapshot))) {
            BigInteger fromJournal = replayed.getOrDefault(orchestrator, BigInteger.ZERO);
            BigInteger fromSnapshot = snapshot.get(orchestrator);
            if (fromSnapshot == null || fromSnapshot.equals(fromJournal)) {
                continue;
            }
            differences.add(new Difference(orchestrator, fromJournal, fromSnapshot));
            if (adoptBalances) {
                BigInteger diff = fromSnapshot.subtract(fromJournal);
                String account = account(orchestrator);
                boolean up = diff.signum() > 0;
                var result = ledger.post(new NewTransfer(
                        "import:ops:adopt:" + orchestrator + ":" + diff,
                        up ? AccountKeys.IMPORT_WEI : account,
                        up ? account : AccountKeys.IMPORT_WEI,
                        new BigDecimal(diff.abs()),
                        TransferKind.ADJUSTMENT,
                        null,
                        null,
                        Metadata.of(
                                "reason",
                                "adopt balances.json of livepeer-ops",
                                "journal_wei",
                                fromJournal.toString(),
                                "balances_json_wei",
                                fromSnapshot.toString())));
                adopted += result.created() ? 1 : 0;
            }
        }
        return new Report(dir, lines, posted, alreadyImported, errors, replayed, snapshot, differences, adopted);
    }

    /** @return true when a transfer was posted, false when it was already imported, null when nothing moved */
    private Boolean importLine(int n, String line, Map<String, BigInteger> replayed) throws SQLException {
        JsonNode entry;
        try {
            entry = Metadata.JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (entry == null || !entry.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String event = entry.path("event").asText("");
        String orchestrator = entry.path("orchestrator_id").asText("").trim();
        if (orchestrator.isEmpty()) {
            throw new IllegalArgumentException("orchestrator_id is missing");
        }
        BigInteger before = replayed.getOrDefault(orchestrator, BigInteger.ZERO);
        BigInteger delta;
        switch (event) {
            case "credit" -> delta = wei(entry.get("amount"), "amount");
            case "set_balance" -> delta = wei(entry.get("balance"), "balance").subtract(before);
            default -> throw new IllegalArgumentException("unknown event '" + event + "' (credit or set_balance)");
        }
        BigInteger after = before.add(delta);
        if (after.signum() < 0) {
            throw new IllegalArgumentException("balance of " + orchestrator + " would become negative");
        }
        replayed.put(orchestrator, after);
        if (delta.signum() == 0) {
            return null;
        }
        String account = account(orchestrator);
        boolean credit = delta.signum() > 0;
        var result = ledger.post(new NewTransfer(
                "import:ops:" + n + ":" + hash(line),
                credit ? AccountKeys.IMPORT_WEI : account,
                credit ? account : AccountKeys.IMPORT_WEI,
                new BigDecimal(delta.abs()),
                TransferKind.IMPORT,
                null,
                null,
                Metadata.of(
                        "source",
                        "livepeer-ops audit/ledger-events.log",
                        "line",
                        n,
                        "event",
                        event,
                        "timestamp",
                        entry.path("timestamp").asText(null),
                        "reason",
                        entry.path("reason").asText(null),
                        "metadata",
                        entry.has("metadata") ? entry.get("metadata") : null)));
        return result.created();
    }

    /** Opens the orchestrator account (never debited beyond its credits) on first use. */
    private String account(String orchestrator) throws SQLException {
        String key = AccountKeys.orchestrator(orchestrator);
        if (ledger.account(key).isEmpty()) {
            ledger.open(key, true, Metadata.of("imported_from", "livepeer-ops"));
        }
        return key;
    }

    private static BigInteger wei(JsonNode eth, String field) {
        if (eth == null || eth.isNull() || eth.isMissingNode()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        try {
            BigDecimal value = eth.isNumber()
                    ? eth.decimalValue()
                    : new BigDecimal(eth.asText().trim());
            return value.multiply(WEI_PER_ETH).toBigIntegerExact();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " is not a decimal ETH amount: " + eth.asText());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(field + " has more than 18 decimals: " + eth.asText());
        }
    }

    private static String hash(String line) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(line.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static java.util.Set<String> union(Map<String, ?> a, Map<String, ?> b) {
        java.util.Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    /** An orchestrator whose replayed journal balance differs from balances.json (wei). */
    public record Difference(String orchestrator, BigInteger journalWei, BigInteger balancesJsonWei) {}

    /**
     * @param dir             the imported directory
     * @param journalLines    journal entries read
     * @param posted          transfers posted now
     * @param alreadyImported entries imported by an earlier run
     * @param errors          entries refused, with line numbers
     * @param journalBalances replayed balances per orchestrator (wei)
     * @param balancesJson    balances.json per orchestrator (wei)
     * @param differences     orchestrators where the two differ
     * @param adopted         adjustments posted to adopt balances.json
     */
    public record Report(
            Path dir,
            int journalLines,
            int posted,
            int alreadyImported,
            List<String> errors,
            Map<String, BigInteger> journalBalances,
            Map<String, BigInteger> balancesJson,
            List<Difference> differences,
            int adopted) {

        /**
         * Whether the import is clean: nothing refused, and the journal matches balances.json (or the differences
         * were adopted).
         *
         * @param adoptBalances whether the run adopted balances.json's values
         */
        public boolean clean(boolean adoptBalances) {
            return errors.isEmpty() && (differences.isEmpty() || adoptBalances);
        }

        /** A readable markdown report. */
        public String markdown() {
            StringBuilder md = new StringBuilder("# Import from livepeer-ops\n\n");
            md.append("Directory `")
                    .append(dir)
                    .append("`: ")
                    .append(journalLines)
                    .append(" journal entries, ")
                    .append(posted)
                    .append(" transfers posted now, ")
                    .append(alreadyImported)
                    .append(" already imported, ")
                    .append(errors.size())
                    .append(" refused.\n\n");
            md.append("| orchestrator | journal (wei) | balances.json (wei) | |\n|---|---|---|---|\n");
            for (String o : new TreeSet<>(union(journalBalances, balancesJson))) {
                BigInteger j = journalBalances.get(o);
                BigInteger b = balancesJson.get(o);
                md.append("| ")
                        .append(o)
                        .append(" | ")
                        .append(j == null ? "—" : j)
                        .append(" | ")
                        .append(b == null ? "—" : b)
                        .append(" | ")
                        .append(b == null || b.equals(j == null ? BigInteger.ZERO : j) ? "✔" : "differs")
                        .append(" |\n");
            }
            if (!differences.isEmpty()) {
                md.append("\n")
                        .append(differences.size())
                        .append(" orchestrator(s) differ between the journal and" + " balances.json")
                        .append(
                                adopted > 0
                                        ? "; " + adopted + " adjusted to balances.json"
                                        : "; rerun with --adopt-balances to adjust them to balances.json")
                        .append(".\n");
            }
            if (!errors.isEmpty()) {
                md.append("\n## Refused entries\n\n");
                errors.forEach(e -> md.append("- ").append(e).append('\n'));
            }
            return md.toString();
        }
    }
}
