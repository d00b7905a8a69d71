package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import io.livepeer.clearinghouse.ledger.DeadLetters;
import io.livepeer.clearinghouse.ledger.KafkaCoordinates;
import io.livepeer.clearinghouse.ledger.Reprocessing;
import io.livepeer.clearinghouse.ledger.Reprocessing.Outcome;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.completeness.SequenceGaps;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.routes.metering.MeteringSettings;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code dead-letters redrive} on H2 and PostgreSQL: letters refused for a limit that was too low are dead-lettered
 * again while the limit is unchanged, metered once it is fixed (an id already billed is a duplicate, not billed
 * again), a dry run changes nothing, a second run changes nothing, and a letter that cannot be metered keeps failing
 * with its new reason.
 */
class DeadLetterRedriveTest {

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    /** The application's metering with a per-call fee limit of {@code maxFeeWei} (null: the shipped one). */
    static OfflineMetering metering(String maxFeeWei) throws Exception {
        Properties overrides = new Properties();
        if (maxFeeWei != null) {
            overrides.setProperty("clearinghouse.metering.max-fee-wei", maxFeeWei);
        }
        return MeteringOptions.metering(MeteringOptions.settings(overrides), TopicReplayTest.PRICE);
    }

    static UsageRecorder recorder(Database db) throws Exception {
        MeteringSettings settings = MeteringOptions.settings(new Properties());
        return MeteringOptions.recorder(settings, db, Clock.systemUTC());
    }

    static DeadLetterRedrive redrive(Database db, OfflineMetering metering) throws Exception {
        return new DeadLetterRedrive(db, metering, recorder(db), Clock.systemUTC());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void after_the_fix_letters_are_metered_once_and_a_second_run_changes_nothing(JdbcTarget target) throws Exception {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String billed = UUID.randomUUID().toString();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            UsageRecorder recorder = recorder(db);
            // the limit was set too low: three tickets were dead-lettered; "billed" had also been metered elsewhere
            OfflineMetering tooStrict = metering("1000");
            List<DeadLetterEntry> letters = List.of(
                    letter(tooStrict, a, 10),
                    letter(tooStrict, b, 11),
                    letter(tooStrict, billed, 12),
                    new DeadLetterEntry(coordinates(13), null, null, "not JSON: {oops", bytes("{oops")));
            assertThat(letters.subList(0, 3))
                    .allSatisfy(l -> assertThat(l.reason()).contains("exceeds the limit"));
            recorder.record(
                    List.of(metering(null)
                            .meter(bytes(TopicReplayTest.ticket(billed)), coordinates(99), null, Instant.now())
                            .outbox()),
                    letters);
            OutboxQueries outbox = new OutboxQueries(db);
            Reprocessing reprocessing = new Reprocessing(db);
            assertThat(outbox.pendingCount()).isEqualTo(1);

            // not fixed yet: refused again, with the (same) reason, and still open
            DeadLetterRedrive.Report unfixed = redrive(db, tooStrict).run("EXCEEDS the limit", null, false);
            assertThat(unfixed.selected).isEqualTo(3);
            assertThat(unfixed.count(Outcome.DEAD_LETTERED)).isEqualTo(3);
            assertThat(outbox.pendingCount()).isEqualTo(1);
            assertThat(outcomes(db)).containsOnly(Outcome.DEAD_LETTERED, null);

            // fixed (the shipped limit): a dry run says what would happen and writes nothing
            DeadLetterRedrive.Report dry = redrive(db, metering(null)).run("exceeds the limit", null, true);
            assertThat(dry.count(Outcome.METERED)).isEqualTo(2);
            assertThat(dry.count(Outcome.DUPLICATE)).isEqualTo(1);
            assertThat(dry.lines)
                    .filteredOn(l -> l.outcome() == Outcome.DUPLICATE)
                    .extracting(DeadLetterRedrive.Line::eventId)
                    .containsExactly(billed);
            assertThat(outbox.pendingCount()).isEqualTo(1);
            assertThat(reprocessing.billed(List.of(a, b))).isEmpty();
            assertThat(outcomes(db)).containsOnly(Outcome.DEAD_LETTERED, null);

            DeadLetterRedrive.Report real = redrive(db, metering(null)).run("exceeds the limit", null, false);
            assertThat(real.count(Outcome.METERED)).isEqualTo(2);
            assertThat(real.count(Outcome.DUPLICATE)).isEqualTo(1);
            assertThat(reprocessing.billed(List.of(a, b, billed))).containsExactlyInAnyOrder(a, b, billed);
            assertThat(outbox.pendingCount()).isEqualTo(3);
            assertThat(outcomes(db))
                    .containsExactlyInAnyOrder(Outcome.METERED, Outcome.METERED, Outcome.DUPLICATE, null);

            // idempotent: nothing selected, nothing billed twice
            DeadLetterRedrive.Report second = redrive(db, metering(null)).run("exceeds the limit", null, false);
            assertThat(second.selected).isZero();
            assertThat(outbox.pendingCount()).isEqualTo(3);
            assertThat(redrive(db, metering(null)).run("limit", null, true).selected)
                    .isZero();

            // a record that cannot be metered stays a dead letter, with its new reason; --since excludes old letters
            assertThat(redrive(db, metering(null)).run("JSON", Instant.now().plusSeconds(60), false).selected)
                    .isZero();
            DeadLetterRedrive.Report broken = redrive(db, metering(null)).run("JSON", null, false);
            assertThat(broken.count(Outcome.DEAD_LETTERED)).isEqualTo(1);
            assertThat(broken.lines.get(0).detail()).isNotBlank();
            assertThat(outcomes(db)).doesNotContainNull();
            assertThat(outbox.pendingCount()).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_redrive_fills_gaps_and_quarantines_forks_as_the_route_does(JdbcTarget target) throws Exception {
        String session = UUID.randomUUID().toString().substring(0, 8);
        String fee = "1421897143000";
        String zero = UUID.randomUUID().toString();
        String one = UUID.randomUUID().toString();
        String two = UUID.randomUUID().toString();
        String three = UUID.randomUUID().toString();
        String otherOne = UUID.randomUUID().toString();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            // 0, 1 and 3 were metered with tracking; 2 and another id for 1 were refused by a limit set too low
            OfflineMetering fixed = metering(null);
            List<OfflineMetering.Result> metered = new java.util.ArrayList<>();
            long offset = 20;
            for (String[] t : new String[][] {{zero, "0"}, {one, "1"}, {three, "3"}}) {
                metered.add(fixed.meter(
                        bytes(TopicReplayTest.ticket(t[0], fee, session, Long.parseLong(t[1]))),
                        coordinates(offset++),
                        null,
                        Instant.now()));
            }
            OfflineMetering tooStrict = metering("1000");
            List<DeadLetterEntry> letters = List.of(
                    tooStrict
                            .meter(
                                    bytes(TopicReplayTest.ticket(two, fee, session, 2)),
                                    coordinates(30),
                                    null,
                                    Instant.now())
                            .deadLetter(),
                    tooStrict
                            .meter(
                                    bytes(TopicReplayTest.ticket(otherOne, fee, session, 1)),
                                    coordinates(31),
                                    null,
                                    Instant.now())
                            .deadLetter());
            recorder(db)
                    .record(
                            metered.stream().map(OfflineMetering.Result::outbox).toList(),
                            metered.stream().map(OfflineMetering.Result::facts).toList(),
                            letters);
            SequenceGaps gaps = new SequenceGaps(db);
            assertThat(gaps.list(null, 10))
                    .singleElement()
                    .satisfies(g -> assertThat(g.fromSequence()).isEqualTo(2));

            DeadLetterRedrive.Report dry = redrive(db, fixed).run("exceeds the limit", null, true);
            assertThat(dry.count(Outcome.METERED)).isEqualTo(1);
            assertThat(dry.count(Outcome.DEAD_LETTERED)).isEqualTo(1);
            assertThat(dry.lines)
                    .filteredOn(l -> l.outcome() == Outcome.DEAD_LETTERED)
                    .singleElement()
                    .satisfies(l -> assertThat(l.detail()).startsWith("fork: session " + session + " sequence 1"));
            assertThat(gaps.list(null, 10)).hasSize(1);

            DeadLetterRedrive.Report real = redrive(db, fixed).run("exceeds the limit", null, false);
            assertThat(real.count(Outcome.METERED)).isEqualTo(1);
            assertThat(real.count(Outcome.DEAD_LETTERED)).isEqualTo(1);
            assertThat(gaps.list(null, 10)).isEmpty();
            Reprocessing reprocessing = new Reprocessing(db);
            assertThat(reprocessing.billed(List.of(two, otherOne))).containsExactly(two);
            DeadLetters.DeadLetterView fork = new DeadLetters(db)
                    .list(null, 10).stream()
                            .filter(l -> otherOne.equals(l.eventId()))
                            .findFirst()
                            .orElseThrow();
            assertThat(fork.redriveOutcome()).isEqualTo("dead_lettered");
            assertThat(fork.redriveReason()).startsWith("fork: ");
            assertThat(fork.reason()).contains("exceeds the limit");
            assertThat(fork.firstPayload()).contains(one);
        }
    }

    @Test
    void the_command_line_redrives_and_requires_a_reason() throws Exception {
        JdbcTarget target = TestDatabases.h2();
        String id = UUID.randomUUID().toString();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            recorder(db).record(List.of(), List.of(letter(metering("1000"), id, 5)));
        }
        String[] dry = {
            "dead-letters",
            "redrive",
            "--reason",
            "exceeds",
            "--dry-run",
            "--jdbc-url",
            target.url(),
            "--eth-usd-price",
            "3000"
        };
        TopicReplayTest.Run dryRun = TopicReplayTest.run(dry);
        assertThat(dryRun.code()).as(dryRun.err()).isZero();
        // the shipped limit is far above the fee: the letter would be metered now
        assertThat(dryRun.out())
                .contains("Dry run, nothing written: 1 dead letter(s) selected: 1 would be metered")
                .contains("| metered | " + id + " |");
        TopicReplayTest.Run real = TopicReplayTest.run(
                "dead-letters",
                "redrive",
                "--reason",
                "exceeds",
                "--jdbc-url",
                target.url(),
                "--eth-usd-price",
                "3000");
        assertThat(real.out()).contains("Redriven: 1 dead letter(s) selected: 1 metered");
        TopicReplayTest.Run again = TopicReplayTest.run(
                "dead-letters",
                "redrive",
                "--reason",
                "exceeds",
                "--jdbc-url",
                target.url(),
                "--eth-usd-price",
                "3000");
        assertThat(again.out()).contains("Redriven: 0 dead letter(s) selected");

        assertThat(TopicReplayTest.run("dead-letters").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(TopicReplayTest.run("dead-letters", "redrive").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(TopicReplayTest.run("dead-letters", "redrive", "--reason", " ")
                        .code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(TopicReplayTest.run(
                                "dead-letters",
                                "redrive",
                                "--reason",
                                "x",
                                "--jdbc-url",
                                target.url(),
                                "--eth-usd-price",
                                "-1")
                        .code())
                .isEqualTo(ExitCodes.INVALID_INPUT);
    }

    static DeadLetterEntry letter(OfflineMetering metering, String id, long offset) {
        OfflineMetering.Result r =
                metering.meter(bytes(TopicReplayTest.ticket(id)), coordinates(offset), "key-" + id, Instant.now());
        assertThat(r.kind()).isEqualTo(OfflineMetering.Kind.REJECTED);
        return r.deadLetter();
    }

    static KafkaCoordinates coordinates(long offset) {
        return new KafkaCoordinates("livepeer-gateway-events", 0, offset);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The redrive outcome of every letter (null: never redriven). */
    static List<Outcome> outcomes(Database db) throws SQLException {
        Reprocessing reprocessing = new Reprocessing(db);
        List<Long> ids = db.withHandle(h -> h.createQuery("SELECT id FROM dead_letters ORDER BY id")
                .mapTo(Long.class)
                .list());
        List<Outcome> outcomes = new java.util.ArrayList<>();
        for (long id : ids) {
            outcomes.add(reprocessing.outcome(id));
        }
        return outcomes;
    }
}
