package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.routes.ClearinghouseMain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code run}: the production pipeline, configured entirely by application.properties and environment variables; the
 * same as the application distribution's own main ({@link ClearinghouseMain}).
 */
@Command(
        name = "run",
        description = {
            "Run the metering pipeline against external Kafka and the configured database until stopped.",
            "Configure with environment variables: KAFKA_BROKERS, JDBC_URL, JDBC_USER, JDBC_PASSWORD,",
            "ETH_USD_PRICE or PRICE_ORACLE_URL, OPENMETER_URL, OPENMETER_API_KEY (see docs/configuration.md).",
            "Production and the container image run routes/target/clearinghouse.jar directly (no broker jars)."
        },
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        ClearinghouseMain.run();
        return ExitCodes.OK;
    }
}
