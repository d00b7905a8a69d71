package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.cli.bootstrap.BootstrapCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point: {@code ./clearinghouse <command>}. Every command answers with the codes of {@link ExitCodes}:
 * a usage error is {@link ExitCodes#USAGE} (64) whichever command it concerns, a failure is mapped by
 * {@link ExitCodes#forFailure}.
 */
@Command(
        name = "clearinghouse",
        mixinStandardHelpOptions = true,
        versionProvider = Launcher.Version.class,
        description = "Clearinghouse for Livepeer remote-signer traffic: meters signed tickets into USD-micro "
                + "CloudEvents for OpenMeter / Kong Konnect.",
        subcommands = {
            DevCommand.class,
            RunCommand.class,
            ReplayCommand.class,
            LedgerCommand.class,
            OrchestratorsCommand.class,
            ReconcileCommand.class,
            OutboxCommand.class,
            DeadLettersCommand.class,
            RetentionCommand.class,
            SpendCommand.class,
            PayoutsCommand.class,
            BootstrapCommand.class,
            BenchmarkCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Launcher implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with the given output streams and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new Launcher())
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + message(e)));
                    cmd.getErr().flush();
                    return ExitCodes.forFailure(e);
                });
        commandLine
                .getCommandSpec()
                .usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ExitCodes.help());
        useUsageExitCode(commandLine);
        return commandLine.execute(args);
    }

    /** A usage error exits {@link ExitCodes#USAGE} from every command (picocli's default is 2). */
    private static void useUsageExitCode(CommandLine commandLine) {
        commandLine.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
        commandLine.getSubcommands().values().forEach(Launcher::useUsageExitCode);
    }

    /** Without a command: a usage error that lists the commands. */
    @Override
    public void run() {
        throw missingSubcommand(spec);
    }

    /**
     * The usage error of a command that only groups subcommands and was given none ({@code ./clearinghouse ledger}).
     */
    public static CommandLine.ParameterException missingSubcommand(CommandLine.Model.CommandSpec spec) {
        return new CommandLine.ParameterException(
                spec.commandLine(),
                "Missing required subcommand: one of "
                        + String.join(", ", spec.subcommands().keySet()));
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null
                && root.getCause() != root
                && (root.getMessage() == null || root instanceof java.lang.reflect.InvocationTargetException)) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Launcher.class.getPackage().getImplementationVersion();
            return new String[] {"clearinghouse " + (version == null ? "development build" : version)};
        }
    }
}
