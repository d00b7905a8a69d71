package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKind;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.routes.Clearinghouse;
import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
import io.livepeer.clearinghouse.routes.metering.MeteringMetrics;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The human-readable progress line and usage summary printed by {@code ./clearinghouse dev}. */
public final class SummaryReport {

    private static final BigDecimal MICROS_PER_USD = BigDecimal.valueOf(1_000_000);

    private SummaryReport() {}

    /** One line: what this process consumed and what the outbox holds. */
    public static String progressLine(Clearinghouse ch) throws SQLException {
        MeteringMetrics m = ch.metrics();
        Map<OutboxQueries.Status, Long> counts = ch.outbox().countByStatus();
        return String.format(
                "consumed %d | metered %d | duplicate %d | skipped %d | dead-lettered %d"
                        + " || outbox: pending %d, delivered %d, rejected %d | delivery %s",
                m.consumedCount(),
                m.meteredCount(),
                m.duplicateCount(),
                m.skippedCount(),
                m.deadLetteredCount(),
                counts.get(OutboxQueries.Status.PENDING),
                counts.get(OutboxQueries.Status.DELIVERED),
                counts.get(OutboxQueries.Status.REJECTED),
                ch.delivery().status().state().name().toLowerCase());
    }

    /** The usage summary table, totals, dead letters and where to look next. */
    public static void print(Clearinghouse ch, PrintWriter out, int httpPort, int managementPort, String token)
            throws SQLException {
        List<OutboxQueries.UsageSummaryRow> rows =
                ch.outbox().summary(Instant.EPOCH, Instant.parse("9999-12-31T00:00:00Z"), null);
        out.println();
        out.println("Usage summary (all usage in the outbox; amounts exact)");
        String format = "  %-40s %-22s %7s %22s %22s %26s %s%n";
        out.printf(
                format,
                "SUBJECT (customer key)",
                "PIPELINE",
                "EVENTS",
                "NETWORK USD MICROS",
                "BILLABLE USD MICROS",
                "FEE WEI",
                "STATUS");
        long events = 0;
        BigDecimal network = BigDecimal.ZERO;
        BigDecimal billable = BigDecimal.ZERO;
        BigInteger wei = BigInteger.ZERO;
        for (OutboxQueries.UsageSummaryRow r : rows) {
            out.printf(
                    format,
                    clip(r.subject(), 40),
                    clip(r.pipeline(), 22),
                    r.events(),
                    r.networkMicros().toPlainString(),
                    r.billableMicros().toPlainString(),
                    r.feeWei(),
                    status(r.pending(), r.delivered(), r.rejected()));
            events += r.events();
            network = network.add(r.networkMicros());
            billable = billable.add(r.billableMicros());
            wei = wei.add(r.feeWei());
        }
        if (rows.isEmpty()) {
            out.println("  (no metered usage yet)");
        }
        out.printf(
                format,
                "TOTAL",
                "",
                events,
                network.stripTrailingZeros().toPlainString(),
                billable.stripTrailingZeros().toPlainString(),
                wei,
                "");
        out.printf("  = network $%s, billable $%s%n", usd(network), usd(billable));

        List<Account> customers = ch.ledger().accounts(AccountKind.CUSTOMER, 0, 50);
        out.println();
        out.println("Customer balances (credit ledger, USD micros; negative = usage beyond granted credit)");
        String balanceFormat = "  %-52s %24s %24s %24s%n";
        out.printf(balanceFormat, "ACCOUNT", "BALANCE", "CREDITED", "DEBITED (USAGE)");
        for (Account a : customers) {
            out.printf(
                    balanceFormat,
                    clip(a.key(), 52),
                    a.balance().toPlainString(),
                    a.creditsPosted().toPlainString(),
                    a.debitsPosted().toPlainString());
        }
        if (customers.isEmpty()) {
            out.println(
                    ch.metering().usageFanOut()
                            ? "  (no customer account yet)"
                            : "  (usage fan-out to the ledger is off)");
        }

        long deadLetterCount = ch.deadLetters().count();
        out.println();
        out.println(
                "Dead letters: " + deadLetterCount + (deadLetterCount == 0 ? "" : " (bad input kept with its reason)"));
        for (DeadLetters.DeadLetterView d : ch.deadLetters().list(null, 10)) {
            out.println("  - " + d.source() + ": " + clip(d.reason(), 110));
        }
        OutboxDelivery.Status delivery = ch.delivery().status();
        out.println();
        out.println("Delivery to OpenMeter: " + describe(delivery));
        ch.price()
                .current()
                .ifPresent(
                        q -> out.println("ETH/USD price: " + q.usdPerEth().toPlainString() + " (" + q.source() + ")"));
        out.println();
        String auth = "-H 'Authorization: Bearer " + token + "' ";
        out.println("Usage API:   curl " + auth + "http://localhost:" + httpPort + "/api/usage/summary"
                + "   (also /api/usage/events, /api/dead-letters)");
        out.println(
                "Ledger API:  curl " + auth + "http://localhost:" + httpPort + "/api/ledger/accounts?kind=customer");
        out.println("Grant:       curl " + auth + "-H 'Content-Type: application/json' -H 'Idempotency-Key: trial-1'"
                + " -d '{\"customer\":"
                + "\"acme:alice\",\"amount_usd_micros\":\"5000000\",\"reason\":\"trial\"}' http://localhost:"
                + httpPort + "/api/ledger/grants");
        out.println("Reconcile:   ./clearinghouse ledger reconcile   (the books: "
                + (ch.reconciliation().run().ok() ? "balanced" : "MISMATCH, see the report") + ")");
        out.println(
                "Health:      http://localhost:" + managementPort + "/observe/health      metrics: /observe/metrics");
    }

    private static String status(long pending, long delivered, long rejected) {
        StringBuilder s = new StringBuilder();
        if (pending > 0) {
            s.append(pending).append(" pending ");
        }
        if (delivered > 0) {
            s.append(delivered).append(" delivered ");
        }
        if (rejected > 0) {
            s.append(rejected).append(" rejected");
        }
        return s.toString().trim();
    }

    private static String usd(BigDecimal micros) {
        return micros.divide(MICROS_PER_USD, 6, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "…";
    }

    private static String describe(OutboxDelivery.Status delivery) {
        if (delivery.pauseReason() != null) {
            return "paused, " + delivery.pauseReason().label() + " (events wait and are retried): "
                    + delivery.lastError();
        }
        return switch (delivery.state()) {
            case DISABLED -> "disabled (set OPENMETER_URL to deliver; events stay pending in the outbox)";
            case BACKING_OFF -> "retrying after an error: " + delivery.lastError();
            default -> delivery.target() + " (" + delivery.state().name().toLowerCase() + ")";
        };
    }
}
