package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./clearinghouse retention`: a report by default, removal only with --apply. */
class RetentionCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out + err.toString());
    }

    @Test
    void reports_what_it_would_remove_and_removes_only_with_apply() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        try (Database db = Database.open(new DatabaseConfig(url, "sa", "", 2))) {
            Clock longAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(200)), ZoneOffset.UTC);
            new UsageRecorder(db, null, longAgo)
                    .record(
                            List.of(),
                            List.of(new DeadLetterEntry(
                                    new KafkaCoordinates("signer", 0, 1),
                                    null,
                                    null,
                                    "not JSON",
                                    "{".getBytes(StandardCharsets.UTF_8))));
        }

        Run report = run("retention", "--jdbc-url", url, "--dead-letter-age", "30d");
        assertThat(report.code()).as(report.out()).isZero();
        assertThat(report.out())
                .contains("Retention (dry run): would remove 0 delivered outbox payload(s)")
                .contains("and 1 dead letter(s) created before")
                .contains("Nothing was removed");

        Run apply = run("retention", "--jdbc-url", url, "--dead-letter-age", "30d", "--apply");
        assertThat(apply.code()).as(apply.out()).isZero();
        assertThat(apply.out()).contains("Retention: removed 0 delivered outbox payload(s)", "and 1 dead letter(s)");
        try (Database db = Database.open(new DatabaseConfig(url, "sa", "", 2))) {
            assertThat(new DeadLetters(db).count()).isZero();
        }

        Run bad = run("retention", "--jdbc-url", url, "--dead-letter-age", "soon");
        assertThat(bad.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(bad.out()).contains("clearinghouse.retention.dead-letter-age must be a duration");
    }
}
