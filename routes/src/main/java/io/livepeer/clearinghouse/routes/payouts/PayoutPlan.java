package io.livepeer.clearinghouse.routes.payouts;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * What a payout cycle would pay, and what it leaves out and why. The {@link #hash()} covers exactly the payments
 * (orchestrator, address, wei, strategy, sorted by orchestrator): an operator approves a plan by its hash, and a run
 * executes only while the recomputed plan has the same hash.
 *
 * @param entries the payouts, sorted by orchestrator id
 * @param skipped orchestrators left out, with the reason
 */
public record PayoutPlan(List<Entry> entries, List<Skip> skipped) {

    /** One payout: the orchestrator's whole balance at planning time, in wei. */
    public record Entry(String orchestratorId, String address, BigInteger amountWei, String strategy) {}

    /**
     * An orchestrator left out: {@code below_threshold}, {@code denylisted}, {@code no_address}, {@code open_payout},
     * or ({@code livepeer_ticket}) {@code not_registered_transcoder}.
     */
    public record Skip(String orchestratorId, String reason, BigInteger balanceWei) {}

    public PayoutPlan {
        entries = entries.stream()
                .sorted(Comparator.comparing(Entry::orchestratorId))
                .toList();
        skipped = List.copyOf(skipped);
    }

    /** Sum of the entries, wei. */
    public BigInteger totalWei() {
        return entries.stream().map(Entry::amountWei).reduce(BigInteger.ZERO, BigInteger::add);
    }

    /** SHA-256 (hex) of the entries as CSV lines {@code orchestrator_id,address,amount_wei,strategy}. */
    public String hash() {
        StringBuilder canonical = new StringBuilder();
        for (Entry e : entries) {
            canonical
                    .append(e.orchestratorId())
                    .append(',')
                    .append(e.address())
                    .append(',')
                    .append(e.amountWei())
                    .append(',')
                    .append(e.strategy())
                    .append('\n');
        }
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The plan as CSV with a header: {@code orchestrator_id,address,amount_wei,strategy}. */
    public String csv() {
        List<String> lines = new ArrayList<>();
        lines.add("orchestrator_id,address,amount_wei,strategy");
        for (Entry e : entries) {
            lines.add(String.join(
                    ",",
                    csvField(e.orchestratorId()),
                    e.address(),
                    e.amountWei().toString(),
                    e.strategy()));
        }
        return String.join("\n", lines) + "\n";
    }

    private static String csvField(String value) {
        return value.contains(",") || value.contains("\"") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }
}
