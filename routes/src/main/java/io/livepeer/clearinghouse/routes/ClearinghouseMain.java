package io.livepeer.clearinghouse.routes;

import java.util.Map;

/**
 * The Main-Class of the application distribution ({@code routes/target/clearinghouse.jar} with {@code lib/}): runs
 * the pipeline until SIGTERM or Ctrl-C, configured by {@code application.properties} and environment variables (see
 * {@code docs/configuration.md}). It takes no arguments; {@code ./clearinghouse run} does the same through the
 * launcher. This is what production and a container image run: no launcher, no embedded Kafka broker.
 */
public final class ClearinghouseMain {

    /** Exit code of invalid configuration, as in the launcher's table ({@code docs/operations.md}, "Exit codes"). */
    static final int INVALID_INPUT = 4;
    /** Exit code of a usage error, as in the launcher's table. */
    static final int USAGE = 64;

    private ClearinghouseMain() {}

    /**
     * Runs until stopped; {@code --help} prints what configures it. Any other argument is a usage error (exit 64), an
     * invalid setting exits 4 with its message (which names the key).
     *
     * @throws Exception when the application cannot start otherwise, e.g. the database is unreachable (exit 1)
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            boolean help = args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
            (help ? System.out : System.err)
                    .println("usage: java -jar clearinghouse.jar   (no arguments)\n"
                            + "Runs the metering pipeline until SIGTERM. Configure with environment variables: KAFKA_BROKERS,"
                            + " JDBC_URL,\nJDBC_USER, JDBC_PASSWORD, ETH_USD_PRICE or PRICE_ORACLE_URL, OPENMETER_URL,"
                            + " OPENMETER_API_KEY (see docs/configuration.md).");
            System.exit(help ? 0 : USAGE);
        }
        try {
            run();
        } catch (IllegalArgumentException invalidSetting) {
            System.err.println("error: " + invalidSetting.getMessage());
            System.exit(INVALID_INPUT);
        }
        System.exit(0);
    }

    /**
     * Runs the application until the JVM is asked to stop, after a note on stderr when no database is configured.
     *
     * @throws Exception when the configuration is invalid or the database is unreachable
     */
    public static void run() throws Exception {
        if (System.getenv("JDBC_URL") == null && System.getenv("CLEARINGHOUSE_JDBC_URL") == null) {
            System.err.println("note: JDBC_URL is not set, using the embedded H2 file ./data/clearinghouse;"
                    + " production should use PostgreSQL (JDBC_URL=jdbc:postgresql://host:5432/clearinghouse)");
        }
        ClearinghouseApp.run(Map.of());
    }
}
