package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Retention;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import io.livepeer.clearinghouse.routes.retention.RetentionSettings;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.camel.impl.DefaultCamelContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code retention}: reports what retention would remove now (delivered outbox payloads, dead letters), with the
 * application's own settings ({@code application.properties} and the {@code RETENTION_*} environment variables) unless
 * options override them; {@code --apply} removes it. Never touches ledger transfers.
 */
@Command(
        name = "retention",
        mixinStandardHelpOptions = true,
        description = {
            "Report what retention would remove now: the CloudEvent JSON of events delivered long ago and old dead"
                    + " letters (never outbox rows, pending or rejected events, or ledger transfers).",
            "Ages come from RETENTION_OUTBOX_PAYLOAD_AGE and RETENTION_DEAD_LETTER_AGE (default 90d; 0 keeps"
                    + " forever) unless given here. Nothing is removed without --apply. Exits 0, 4 on an invalid age, 1 on an"
                    + " error."
        })
final class RetentionCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Option(
            names = "--outbox-payload-age",
            paramLabel = "AGE",
            description = "remove delivered events' payloads whose usage time is older than this (e.g. 90d, P30D; 0 ="
                    + " keep)")
    String outboxPayloadAge;

    @Option(
            names = "--dead-letter-age",
            paramLabel = "AGE",
            description = "remove dead letters older than this (e.g. 90d; 0 = keep)")
    String deadLetterAge;

    @Option(names = "--apply", description = "remove what the report lists (default: report only)")
    boolean apply;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RetentionSettings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        try (Database db = database.open()) {
            Retention retention = new Retention(db, Clock.systemUTC());
            if (apply) {
                out.println("Retention: " + retention.prune(settings.policy()).summary(false));
            } else {
                out.println("Retention (dry run): "
                        + retention.report(settings.policy()).summary(true));
                out.println("Nothing was removed: run with --apply to remove it (the running application removes it"
                        + " itself every " + settings.interval() + " when RETENTION_DRY_RUN=false).");
            }
        }
        return ExitCodes.OK;
    }

    /** The application's retention settings (its properties file and environment), with this command's options. */
    private RetentionSettings settings() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("classpath:application.properties");
            Properties overrides = new Properties();
            if (outboxPayloadAge != null) {
                overrides.setProperty("clearinghouse.retention.outbox-payload-age", outboxPayloadAge);
            }
            if (deadLetterAge != null) {
                overrides.setProperty("clearinghouse.retention.dead-letter-age", deadLetterAge);
            }
            context.getPropertiesComponent().setOverrideProperties(overrides);
            // an invalid value throws IllegalArgumentException naming the key: exit 4, like any invalid setting
            return RetentionSettings.from(SettingsReader.of(context));
        }
    }
}
