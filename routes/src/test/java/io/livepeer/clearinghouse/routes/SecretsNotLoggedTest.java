package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/**
 * No secret reaches the log at any level (the root logger at TRACE, as with {@code LOG_LEVEL=trace}) or the health
 * details: the OpenMeter token, the database password, the admin and viewer tokens, the webhook
 * secret and the customer alert webhook's HMAC secret (issue 9: at debug Camel's property parser printed every resolved value).
 */
class SecretsNotLoggedTest extends PipelineTestSupport {

    /** The application's own logging configuration, not the tests' {@code log4j2-test.properties}. */
    static final Path PRODUCTION_LOGGING = Path.of("src/main/resources/log4j2.properties");

    @Test
    void no_secret_in_logs_at_trace_or_in_health_details() throws Exception {
        String dbPassword = "db-secret-" + UUID.randomUUID();
        String openMeterToken = "om-secret-" + UUID.randomUUID();
        String alertSecret = "alert-secret-" + UUID.randomUUID();
        JdbcTarget db = new JdbcTarget(
                "h2",
                "jdbc:h2:mem:secrets" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1",
                "sa",
                dbPassword);
        List<String> secrets =
                List.of(dbPassword, openMeterToken, ADMIN_TOKEN, VIEWER_TOKEN, WEBHOOK_SECRET, alertSecret);

        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        URI testConfiguration = context.getConfigLocation();
        context.setConfigLocation(PRODUCTION_LOGGING.toUri());
        Capture capture = new Capture();
        capture.start();
        context.getConfiguration().addAppender(capture);
        context.getRootLogger().addAppender(capture);
        Configurator.setRootLevel(Level.TRACE);
        try {
            Stage stage = stage(db, 1);
            FakeOpenMeter openMeter = openMeter();
            ClearinghouseApp app = start(
                    stage,
                    openMeter.v1BaseUrl(),
                    Map.of(
                            "clearinghouse.openmeter.token",
                            openMeterToken,
                            "clearinghouse.spend.alerts.webhook-url",
                            "http://127.0.0.1:9/alerts",
                            "clearinghouse.spend.alerts.secret",
                            alertSecret));
            eventually()
                    .until(() -> get(stage.managementPort(), "/observe/health").statusCode() == 200);
            HttpResponse<String> details = get(stage.managementPort(), "/observe/health?data=true");
            HttpResponse<String> authorized = get(stage.httpPort(), "/api/ledger/accounts?limit=1");
            assertThat(authorized.statusCode()).isEqualTo(200);
            app.close();

            assertThat(details.body()).contains("UP");
            for (String secret : secrets) {
                assertThat(details.body()).as("health details").doesNotContain(secret);
                assertThat(capture.lines).as("log lines at TRACE").noneMatch(line -> line.contains(secret));
            }
            assertThat(capture.lines).as("the capture saw debug output").hasSizeGreaterThan(100);
        } finally {
            context.getRootLogger().removeAppender(capture);
            capture.stop();
            context.setConfigLocation(testConfiguration);
        }
    }

    /** Keeps every formatted message and stack trace. */
    static final class Capture extends AbstractAppender {
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

        Capture() {
            super("secrets-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            StringBuilder line = new StringBuilder(event.getLoggerName())
                    .append(": ")
                    .append(event.getMessage().getFormattedMessage());
            for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
                line.append(" | ").append(t);
            }
            lines.add(line.toString());
        }
    }
}
