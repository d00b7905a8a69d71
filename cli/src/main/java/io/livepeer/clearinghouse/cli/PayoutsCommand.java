package io.livepeer.clearinghouse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.payouts.EthTransferPayouts;
import io.livepeer.clearinghouse.routes.payouts.PayoutChain;
import io.livepeer.clearinghouse.routes.payouts.PayoutEngine;
import io.livepeer.clearinghouse.routes.payouts.PayoutPlan;
import io.livepeer.clearinghouse.routes.payouts.PayoutPlanner;
import io.livepeer.clearinghouse.routes.payouts.PayoutSettings;
import io.livepeer.clearinghouse.routes.payouts.PayoutStatement;
import io.livepeer.clearinghouse.routes.payouts.TicketPayouts;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.DefaultCamelContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code payouts plan}, {@code payouts run --approve HASH} and {@code payouts statement}: operator-approved on-chain payouts of orchestrator
 * earnings (docs/payouts.md). Nothing is paid without an approval of the exact plan by its hash.
 */
@Command(
        name = "payouts",
        mixinStandardHelpOptions = true,
        description = "Plan and pay orchestrator earnings on chain (docs/payouts.md).",
        subcommands = {PayoutsCommand.Plan.class, PayoutsCommand.Run.class, PayoutsCommand.Statement.class})
final class PayoutsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.USAGE;
    }

    /** The application's payout settings (application.properties and the environment). */
    static PayoutSettings settings() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("classpath:application.properties");
            return PayoutSettings.from(SettingsReader.of(context));
        }
    }

    /**
     * The planner; with {@code livepeer_ticket} and a chain configured, {@code chain} checks that each recipient is a
     * registered transcoder (skip reason {@code not_registered_transcoder}).
     */
    static PayoutPlanner planner(Database db, PayoutSettings settings, PayoutChain chain) {
        Clock clock = Clock.systemUTC();
        return new PayoutPlanner(
                new OrchestratorStore(db, new Ledger(db, clock), clock),
                new PayoutIntents(db, clock),
                settings.thresholdWei(),
                settings.strategy(),
                chain.recipientCheck());
    }

    /** The chain for plan checks only (no key; connects on first use, closed by the caller). */
    static PayoutChain checks(Database db, PayoutSettings settings) {
        Clock clock = Clock.systemUTC();
        return new PayoutChain(
                settings,
                Optional.empty(),
                new PayoutIntents(db, clock),
                new PayoutTickets(db, clock),
                new Ledger(db, clock),
                clock);
    }

    @Command(
            name = "plan",
            mixinStandardHelpOptions = true,
            description = {
                "Print what a payout run would pay now, and the plan hash to approve it with.",
                "Every orchestrator with a payout address, not denylisted, no payout open, and a balance of at least"
                        + " PAYMENT_PAYOUT_THRESHOLD_WEI is paid its whole balance. Reads only. Exits 0, 1 on an error."
            })
    static final class Plan implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                description = "table (default), json or csv",
                defaultValue = "table")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PayoutSettings settings = settings();
            try (Database db = database.open();
                    PayoutChain checks = checks(db, settings)) {
                PayoutPlan plan = planner(db, settings, checks).plan();
                switch (format) {
                    case "csv" -> out.print(plan.csv());
                    case "json" -> out.println(json(plan));
                    case "table" -> table(out, plan);
                    default -> throw new IllegalArgumentException("--format must be table, json or csv, got " + format);
                }
                if (!"json".equals(format)) {
                    out.println("plan hash: " + plan.hash());
                }
            }
            return ExitCodes.OK;
        }

        private static void table(PrintWriter out, PayoutPlan plan) {
            out.printf("%-32s %-42s %28s %s%n", "ORCHESTRATOR", "ADDRESS", "AMOUNT_WEI", "STRATEGY");
            for (PayoutPlan.Entry e : plan.entries()) {
                out.printf("%-32s %-42s %28s %s%n", e.orchestratorId(), e.address(), e.amountWei(), e.strategy());
            }
            out.println(plan.entries().size() + " payout(s), " + plan.totalWei() + " wei in total");
            for (PayoutPlan.Skip s : plan.skipped()) {
                out.println(
                        "skipped " + s.orchestratorId() + " (" + s.reason() + ", balance " + s.balanceWei() + " wei)");
            }
        }

        private static String json(PayoutPlan plan) throws Exception {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("plan_hash", plan.hash());
            root.put("total_wei", plan.totalWei().toString());
            ArrayNode entries = root.putArray("payouts");
            for (PayoutPlan.Entry e : plan.entries()) {
                entries.addObject()
                        .put("orchestrator_id", e.orchestratorId())
                        .put("address", e.address())
                        .put("amount_wei", e.amountWei().toString())
                        .put("strategy", e.strategy());
            }
            ArrayNode skipped = root.putArray("skipped");
            for (PayoutPlan.Skip s : plan.skipped()) {
                skipped.addObject()
                        .put("orchestrator_id", s.orchestratorId())
                        .put("reason", s.reason())
                        .put("balance_wei", s.balanceWei().toString());
            }
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = {
                "Pay the plan approved by its hash (from `payouts plan`), only if it is unchanged, and wait for the"
                        + " payouts to be confirmed and debited.",
                "Needs ETH_RPC_URL and a payout key (PAYOUT_KEYSTORE_PATH + PAYOUT_KEYSTORE_PASSWORD_FILE,"
                        + " PAYOUT_PRIVATE_KEY_FILE or PAYOUT_PRIVATE_KEY). Exits 0 when all are confirmed, 2 when some"
                        + " are still open (a later run carries them on), 3 when the plan changed, 4 on a missing"
                        + " setting, 1 on an error."
            })
    static final class Run implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Option(names = "--approve", paramLabel = "HASH", required = true, description = "the plan hash to pay")
        String approve;

        @Option(
                names = "--wait",
                paramLabel = "DURATION",
                defaultValue = "PT2M",
                description = "how long to wait for confirmations (ISO-8601, default PT2M)")
        Duration wait;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PayoutSettings settings = settings();
            String rpcUrl = settings.rpcUrl()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "clearinghouse.payouts.rpc-url (ETH_RPC_URL) is required to pay"));
            PayoutKey key = settings.key(System.getenv())
                    .orElseThrow(() -> new IllegalArgumentException("a payout key is required to pay:"
                            + " PAYOUT_KEYSTORE_PATH + PAYOUT_KEYSTORE_PASSWORD_FILE, PAYOUT_PRIVATE_KEY_FILE or"
                            + " PAYOUT_PRIVATE_KEY"));
            Clock clock = Clock.systemUTC();
            try (Database db = database.open();
                    Chain chain = Chain.connect(rpcUrl, settings.chainId(), settings.receiptPoll());
                    PayoutChain checks = checks(db, settings)) {
                PayoutIntents intents = new PayoutIntents(db, clock);
                PayoutTickets tickets = new PayoutTickets(db, clock);
                List<PayoutIntent> created;
                try {
                    created = planner(db, settings, checks).approve(approve);
                } catch (PayoutPlanner.PlanChanged e) {
                    spec.commandLine().getErr().println(e.getMessage());
                    return ExitCodes.CONFLICT;
                }
                out.println("approved plan " + approve + ": " + created.size() + " payout(s) from " + key.address());
                Ledger ledger = new Ledger(db, clock);
                PayoutEngine engine = PayoutEngine.both(
                        new EthTransferPayouts(intents, ledger, chain, key, settings.engineOptions(), clock),
                        new TicketPayouts(
                                intents,
                                tickets,
                                ledger,
                                chain,
                                key,
                                settings.ticketBroker(),
                                settings.engineOptions(),
                                settings.ticketBatchMax(),
                                clock));
                Instant deadline = clock.instant().plus(wait);
                List<PayoutIntent> open = created;
                while (true) {
                    engine.advanceAll();
                    open = stillOpen(intents, created);
                    if (open.isEmpty() || !clock.instant().isBefore(deadline)) {
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(settings.receiptPoll().toMillis());
                }
                for (PayoutIntent c : created) {
                    PayoutIntent now = intents.get(c.intentId()).orElseThrow();
                    out.println(now.orchestratorId() + " " + now.amountWei() + " wei -> " + now.recipient() + " ["
                            + now.strategy() + "]: " + now.state()
                            + (now.txHash() == null ? "" : " " + now.txHash())
                            + (now.failureReason() == null ? "" : " (" + now.failureReason() + ")")
                            + tickets.ticket(now.intentId())
                                    .map(t -> " ticket " + t.ticketHash() + " " + t.outcome()
                                            + (t.waitingReason() == null ? "" : " (" + t.waitingReason() + ")"))
                                    .orElse(""));
                }
                return open.isEmpty() ? ExitCodes.OK : ExitCodes.CHANGES_PENDING;
            }
        }

        private static List<PayoutIntent> stillOpen(PayoutIntents intents, List<PayoutIntent> created)
                throws Exception {
            List<PayoutIntent> open = new ArrayList<>();
            for (PayoutIntent c : created) {
                PayoutIntent now = intents.get(c.intentId()).orElseThrow();
                if (now.state().isOpen()) {
                    open.add(now);
                }
            }
            return open;
        }
    }

    @Command(
            name = "statement",
            mixinStandardHelpOptions = true,
            description = {
                "Print an orchestrator's statement for a UTC month as CSV: every credit, every payout with its"
                        + " transaction hash, other debits, then the totals and the net change (wei).",
                "Reads only. Exits 0, 4 for an unknown orchestrator or a malformed month, 1 on an error."
            })
    static final class Statement implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Option(names = "--orchestrator", paramLabel = "ID", required = true, description = "the orchestrator id")
        String orchestrator;

        @Option(names = "--month", paramLabel = "YYYY-MM", required = true, description = "the UTC month")
        String month;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            YearMonth ym;
            try {
                ym = YearMonth.parse(month);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--month must be YYYY-MM, got '" + month + "'");
            }
            Clock clock = Clock.systemUTC();
            try (Database db = database.open()) {
                Ledger ledger = new Ledger(db, clock);
                PayoutStatement statement = PayoutStatement.of(
                        new OrchestratorStore(db, ledger, clock),
                        ledger,
                        new PayoutIntents(db, clock),
                        new PayoutTickets(db, clock),
                        orchestrator,
                        ym);
                spec.commandLine().getOut().print(statement.csv());
                spec.commandLine().getOut().flush();
            }
            return ExitCodes.OK;
        }
    }
}
