package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.bootstrap.cli.BootstrapCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point: {@code ./clearinghouse <command>}. Exit codes: 0 success, 1 failure, 2 usage error;
 * commands document their own ({@code ledger reconcile} exits 3 on a mismatch; {@code bootstrap} has its own set,
 * where 2 means "changes pending" and a usage error is 64).
 */
@Command(name = "clearinghouse",
        mixinStandardHelpOptions = true,
        versionProvider = Launcher.Version.class,
        description = "Clearinghouse for Livepeer remote-signer traffic: meters signed tickets into USD-micro "
                + "CloudEvents for OpenMeter / Kong Konnect.",
        subcommands = {DevCommand.class, RunCommand.class, ReplayCommand.class, LedgerCommand.class,
                BootstrapCommand.class, CommandLine.HelpCommand.class})
public final class Launcher implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command line with the given output streams and returns its exit code. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return new CommandLine(new Launcher())
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + message(e)));
                    return 1;
                })
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && (root.getMessage() == null
                || root instanceof java.lang.reflect.InvocationTargetException)) {
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
