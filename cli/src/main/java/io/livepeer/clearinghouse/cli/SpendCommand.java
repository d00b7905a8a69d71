package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Scope;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spend …}: the kill switch from the command line, on the database every instance reads (the same rows as
 * {@code POST /api/admin/pause}; running instances apply a change within {@code clearinghouse.spend.refresh}).
 */
@Command(
        name = "spend",
        mixinStandardHelpOptions = true,
        description = "Spend control: pause or resume signing for everyone, one client or one customer.",
        subcommands = {SpendCommand.Pause.class, SpendCommand.Resume.class, SpendCommand.Pauses.class})
final class SpendCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw Launcher.missingSubcommand(spec);
    }

    /** Scope and target shared by pause and resume. */
    static final class Target {
        @Option(names = "--all", description = "everyone")
        boolean all;

        @Option(names = "--client", paramLabel = "CLIENT_ID", description = "one client (application)")
        String client;

        @Option(names = "--customer", paramLabel = "CUSTOMER_KEY", description = "one customer key")
        String customer;

        /** @return the scope, or empty when not exactly one of --all, --client, --customer is given */
        Optional<Scope> scope() {
            int given = (all ? 1 : 0) + (client != null ? 1 : 0) + (customer != null ? 1 : 0);
            if (given != 1) {
                return Optional.empty();
            }
            return Optional.of(all ? Scope.ALL : client != null ? Scope.CLIENT : Scope.CUSTOMER);
        }

        String target() {
            return all ? "" : client != null ? client.trim() : customer.trim();
        }
    }

    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = {
                "Stop allowing new signing (/authorize answers 403 signing_paused) for --all, --client ID or"
                        + " --customer KEY, with a --reason; audited.",
                "Exits 0, " + ExitCodes.INVALID_INPUT + " for a missing scope or reason, 1 on an error."
            })
    static final class Pause implements Callable<Integer> {
        @Mixin
        DatabaseOptions database;

        @Mixin
        Target target;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why (shown to the gateway, audited)")
        String reason;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<Scope> scope = target.scope();
            if (scope.isEmpty()) {
                spec.commandLine().getErr().println("give exactly one of --all, --client ID, --customer KEY");
                return ExitCodes.INVALID_INPUT;
            }
            if (reason == null || reason.isBlank()) {
                spec.commandLine().getErr().println("--reason is required: it is shown to the gateway and audited");
                return ExitCodes.INVALID_INPUT;
            }
            try (Database db = database.open()) {
                Clock clock = Clock.systemUTC();
                SpendStore.Pause p = new SpendStore(db, new Ledger(db, clock), clock)
                        .pause(scope.get(), target.target(), reason.trim(), actor());
                spec.commandLine()
                        .getOut()
                        .println("paused " + describe(p.scope(), p.target()) + " since " + p.pausedAt() + ": "
                                + p.reason());
                return ExitCodes.OK;
            }
        }
    }

    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = {
                "Lift the active pause of --all, --client ID or --customer KEY; audited.",
                "Exits 0, " + ExitCodes.CONFLICT + " when no such pause is active, " + ExitCodes.INVALID_INPUT
                        + " for a missing scope, 1 on an error."
            })
    static final class Resume implements Callable<Integer> {
        @Mixin
        DatabaseOptions database;

        @Mixin
        Target target;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why (audited)")
        String reason;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<Scope> scope = target.scope();
            if (scope.isEmpty()) {
                spec.commandLine().getErr().println("give exactly one of --all, --client ID, --customer KEY");
                return ExitCodes.INVALID_INPUT;
            }
            try (Database db = database.open()) {
                Clock clock = Clock.systemUTC();
                Optional<SpendStore.Pause> lifted = new SpendStore(db, new Ledger(db, clock), clock)
                        .resume(scope.get(), target.target(), reason, actor());
                if (lifted.isEmpty()) {
                    spec.commandLine()
                            .getErr()
                            .println("no active pause for " + describe(scope.get(), target.target()));
                    return ExitCodes.CONFLICT;
                }
                spec.commandLine().getOut().println("resumed " + describe(scope.get(), target.target()));
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "pauses", mixinStandardHelpOptions = true, description = "List the active pauses.")
    static final class Pauses implements Callable<Integer> {
        @Mixin
        DatabaseOptions database;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (Database db = database.open()) {
                Clock clock = Clock.systemUTC();
                for (SpendStore.Pause p : new SpendStore(db, new Ledger(db, clock), clock).activePauses()) {
                    spec.commandLine()
                            .getOut()
                            .println(describe(p.scope(), p.target()) + "\t" + p.pausedAt() + "\t" + p.pausedBy() + "\t"
                                    + p.reason());
                }
                return ExitCodes.OK;
            }
        }
    }

    static String describe(Scope scope, String target) {
        return scope == Scope.ALL ? "everyone" : scope.name().toLowerCase(Locale.ROOT) + " " + target;
    }
}
