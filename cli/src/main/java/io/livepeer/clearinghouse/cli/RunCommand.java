package io.livepeer.clearinghouse.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code run}: the production pipeline, configured entirely by application.properties and environment variables. */
@Command(name = "run",
        description = {"Run the metering pipeline against external Kafka and the configured database until stopped.",
                "Configure with environment variables: KAFKA_BROKERS, JDBC_URL, JDBC_USER, JDBC_PASSWORD,",
                "ETH_USD_PRICE or PRICE_ORACLE_URL, OPENMETER_URL, OPENMETER_API_KEY (see docs/configuration.md)."},
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        if (System.getenv("JDBC_URL") == null && System.getenv("CLEARINGHOUSE_JDBC_URL") == null) {
            System.err.println("note: JDBC_URL is not set, using the embedded H2 file ./data/clearinghouse;"
                    + " production should use PostgreSQL (JDBC_URL=jdbc:postgresql://host:5432/clearinghouse)");
        }
        ClearinghouseApp.run(Map.of());
        return 0;
    }
}
