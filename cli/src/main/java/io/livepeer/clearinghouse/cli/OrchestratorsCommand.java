package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.OpsImport;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStats;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.ledger.orchestrators.Registration;
import io.livepeer.clearinghouse.processors.orchestrators.OrchestratorAddress;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code orchestrators …}: the orchestrator registry, offline (docs/orchestrators.md). */
@Command(
        name = "orchestrators",
        mixinStandardHelpOptions = true,
        description = "Orchestrator registry: list, register, import a livepeer-ops data directory.",
        subcommands = {
            OrchestratorsCommand.ListCommand.class,
            OrchestratorsCommand.Register.class,
            OrchestratorsCommand.ImportOps.class
        })
final class OrchestratorsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    /** A markdown table of orchestrators with eligibility, last health and balance. */
    static void printTable(PrintWriter out, OrchestratorStore store, List<Orchestrator> all) throws Exception {
        Instant now = Clock.systemUTC().instant();
        out.println("| orchestrator | address | eligible | cooldown | last health | balance (ETH) |");
        out.println("|---|---|---|---|---|---|");
        for (Orchestrator o : all) {
            String health = o.lastHealth() == null
                    ? "never observed"
                    : (o.lastHealth().up() ? "up" : "DOWN") + " ("
                            + o.lastHealth().source() + " " + o.lastHealth().at() + ")";
            out.println("| " + o.orchestratorId() + " | " + o.address() + " | "
                    + (o.denylisted() ? "no (denylisted)" : o.eligible(now) ? "yes" : "no") + " | "
                    + (o.cooldownActive(now) ? "until " + o.cooldownExpiresAt() : "-") + " | " + health + " | "
                    + OrchestratorStats.eth(store.balanceWei(o.orchestratorId())) + " |");
        }
        if (all.isEmpty()) {
            out.println("| (none) | | | | | |");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered orchestrators.")
    static final class ListCommand implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (Database db = database.open()) {
                OrchestratorStore store =
                        new OrchestratorStore(db, new Ledger(db, Clock.systemUTC()), Clock.systemUTC());
                printTable(spec.commandLine().getOut(), store, store.list());
                return ExitCodes.OK;
            }
        }
    }

    @Command(
            name = "register",
            mixinStandardHelpOptions = true,
            description = {
                "Register an orchestrator (again with the same address: update it).",
                "Exits 0, " + ExitCodes.INVALID_INPUT + " for bad input, " + ExitCodes.CONFLICT
                        + " when the address is bound to another id or the id has another address."
            })
    static final class Register implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "ID", description = "orchestrator id")
        String id;

        @Option(names = "--address", required = true, paramLabel = "0x…", description = "payout address (EIP-55)")
        String address;

        @Option(names = "--health-url", paramLabel = "URL", description = "its /health URL (polled)")
        String healthUrl;

        @Option(names = "--health-timeout", paramLabel = "SECONDS", description = "poll timeout, 0.1-60 s")
        BigDecimal healthTimeout;

        @Option(names = "--host-name", paramLabel = "HOST", description = "host name (autosleep's /power host)")
        String hostName;

        @Option(names = "--host-public-ip", paramLabel = "IP", description = "public IP")
        String hostPublicIp;

        @Option(names = "--monitored-service", paramLabel = "NAME", description = "a service /health must list")
        List<String> services;

        @Mixin
        DatabaseOptions database;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String checksummed;
            try {
                checksummed = OrchestratorAddress.checksummed(address);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("--address: " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
            try (Database db = database.open()) {
                OrchestratorStore store =
                        new OrchestratorStore(db, new Ledger(db, Clock.systemUTC()), Clock.systemUTC());
                var registered = store.register(
                        new Registration(
                                id,
                                checksummed,
                                null,
                                null,
                                hostPublicIp,
                                hostName,
                                healthUrl,
                                healthTimeout,
                                services,
                                null,
                                null),
                        "cli");
                spec.commandLine()
                        .getOut()
                        .println((registered.created() ? "Registered " : "Updated ") + id + " (" + checksummed + ")");
                return ExitCodes.OK;
            } catch (LedgerException.Conflict e) {
                spec.commandLine().getErr().println(e.field() + ": " + e.getMessage());
                return ExitCodes.CONFLICT;
            } catch (LedgerException e) {
                spec.commandLine().getErr().println(e.field() + ": " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
        }
    }

    @Command(
            name = "import-ops",
            mixinStandardHelpOptions = true,
            description = {
                "Import a livepeer-ops data directory: registry.json and orchestrators.json (ids, addresses, health"
                        + " settings, denylist), then balances.json and audit/ledger-events.log into the"
                        + " orchestrator:<id> accounts (as `ledger import-ops`). Idempotent.",
                "Exits 0 when everything was imported and the journal matches balances.json, " + ExitCodes.CONFLICT
                        + " when entries were refused or balances differ, 1 on an error."
            })
    static final class ImportOps implements Callable<Integer> {

        @Mixin
        OpsDirectoryOptions ops;

        @Mixin
        DatabaseOptions database;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path registry = ops.dir.resolve("registry.json");
            Path bootstrap = ops.dir.resolve("orchestrators.json");
            boolean hasBalances = Files.isRegularFile(ops.dir.resolve("balances.json"))
                    || Files.isRegularFile(ops.dir.resolve("audit").resolve("ledger-events.log"));
            if (!Files.isRegularFile(registry) && !Files.isRegularFile(bootstrap) && !hasBalances) {
                spec.commandLine()
                        .getErr()
                        .println("no livepeer-ops data in " + ops.dir
                                + ": expected registry.json, orchestrators.json, balances.json or"
                                + " audit/ledger-events.log");
                return ExitCodes.INVALID_INPUT;
            }
            try (Database db = database.open()) {
                Ledger ledger = new Ledger(db, Clock.systemUTC());
                OrchestratorStore store = new OrchestratorStore(db, ledger, Clock.systemUTC());
                OpsRegistryImport.Report registered = new OpsRegistryImport(store).run(List.of(registry, bootstrap));
                out.println("# Orchestrators imported from " + ops.dir);
                out.println();
                out.println("Registered: " + registered.imported().size() + " orchestrator(s)");
                registered.errors().forEach(e -> out.println("- refused: " + e));
                boolean clean = registered.errors().isEmpty();
                if (hasBalances) {
                    OpsImport.Report balances = new OpsImport(ledger).run(ops.dir, ops.adopt);
                    out.println();
                    out.println(balances.markdown());
                    clean = clean && balances.clean(ops.adopt);
                }
                out.println();
                printTable(out, store, store.list());
                return clean ? ExitCodes.OK : ExitCodes.CONFLICT;
            }
        }
    }
}
