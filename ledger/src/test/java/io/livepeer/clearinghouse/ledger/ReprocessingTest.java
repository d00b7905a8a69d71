package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Reprocessing.Letter;
import io.livepeer.clearinghouse.ledger.Reprocessing.Outcome;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What replay and redrive read and mark: billed ids, kept dead letters, the letters a redrive selects (by current
 * reason and time, never a final one) and the outcome marks (final outcomes are never overwritten), on H2 and
 * PostgreSQL (migration V8).
 */
class ReprocessingTest {

    static final Instant T0 = Instant.parse("2026-11-28T12:00:00Z");

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void selects_by_current_reason_and_time_and_never_takes_a_final_letter_again(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            UsageRecorder recorder = new UsageRecorder(db, null, clock);
            recorder.record(List.of(RetentionTest.event("billed-1", T0)), List.of(letter(1, "no markup rule (50%)")));
            clock.advance(Duration.ofHours(1));
            recorder.record(List.of(), List.of(letter(2, "No markup rule"), letter(3, "not JSON")));
            Reprocessing reprocessing = new Reprocessing(db);

            assertThat(reprocessing.billed(List.of("billed-1", "other"))).containsExactly("billed-1");
            assertThat(reprocessing.deadLettered("signer", 1, List.of(1L, 2L, 9L)))
                    .containsExactlyInAnyOrder(1L, 2L);

            // case-insensitive, LIKE wildcards taken literally
            assertThat(ids(reprocessing.redrivable("NO MARKUP", null, 0, 10))).containsExactly(1L, 2L);
            assertThat(ids(reprocessing.redrivable("(50%)", null, 0, 10))).hasSize(1);
            assertThat(ids(reprocessing.redrivable("_", null, 0, 10))).isEmpty();
            assertThat(ids(reprocessing.redrivable("markup", T0.plus(Duration.ofMinutes(30)), 0, 10)))
                    .hasSize(1);
            assertThatThrownBy(() -> reprocessing.redrivable(" ", null, 0, 10))
                    .isInstanceOf(IllegalArgumentException.class);
            long first = reprocessing.redrivable("markup", null, 0, 10).get(0).id();
            long second = reprocessing.redrivable("markup", null, 0, 10).get(1).id();

            // refused again: selected by its new reason (not the old one) and still open
            assertThat(reprocessing.markRedriven(first, Outcome.DEAD_LETTERED, "unknown pipeline x", clock.instant()))
                    .isTrue();
            assertThat(reprocessing.outcome(first)).isEqualTo(Outcome.DEAD_LETTERED);
            assertThat(ids(reprocessing.redrivable("markup", null, 0, 10))).containsExactly(2L);
            List<Letter> again = reprocessing.redrivable("unknown pipeline", null, 0, 10);
            assertThat(again).singleElement().satisfies(l -> {
                assertThat(l.reason()).isEqualTo("no markup rule (50%)");
                assertThat(l.currentReason()).isEqualTo("unknown pipeline x");
            });

            // final outcomes: never selected again, never overwritten
            assertThat(reprocessing.markRedriven(first, Outcome.METERED, null, clock.instant()))
                    .isTrue();
            assertThat(reprocessing.markRedriven(first, Outcome.DEAD_LETTERED, "later", clock.instant()))
                    .isFalse();
            assertThat(reprocessing.markRedriven(second, Outcome.DUPLICATE, null, clock.instant()))
                    .isTrue();
            assertThat(reprocessing.outcome(first)).isEqualTo(Outcome.METERED);
            assertThat(reprocessing.redrivable("markup", null, 0, 10)).isEmpty();
            assertThat(reprocessing.redrivable("unknown pipeline", null, 0, 10)).isEmpty();
            // the original reason is kept
            assertThat(new DeadLetters(db).list(null, 10))
                    .extracting(DeadLetters.DeadLetterView::reason)
                    .contains("no markup rule (50%)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_letter_taken_by_another_redrive_rolls_back_its_metering(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            UsageRecorder recorder = new UsageRecorder(db, null, clock);
            recorder.record(List.of(), List.of(letter(1, "exceeds the limit")));
            Reprocessing reprocessing = new Reprocessing(db);
            long id = reprocessing.redrivable("limit", null, 0, 10).get(0).id();

            Outcome first = reprocessing.redrive(
                    id,
                    () -> {
                        recorder.record(List.of(RetentionTest.event("redriven", T0)), List.of());
                        return new Reprocessing.Mark(Outcome.METERED, null);
                    },
                    clock.instant());
            assertThat(first).isEqualTo(Outcome.METERED);
            // a second run that had selected the letter before the first marked it: rolled back, nothing written
            Outcome second = reprocessing.redrive(
                    id,
                    () -> {
                        recorder.record(List.of(RetentionTest.event("written-twice", T0)), List.of());
                        return new Reprocessing.Mark(Outcome.METERED, null);
                    },
                    clock.instant());
            assertThat(second).isNull();
            assertThat(reprocessing.billed(List.of("redriven", "written-twice")))
                    .containsExactly("redriven");
        }
    }

    /** The letters' Kafka offsets, in selection order. */
    static List<Long> ids(List<Letter> letters) {
        return letters.stream().map(l -> l.source().offset()).toList();
    }

    static DeadLetterEntry letter(long offset, String reason) {
        return new DeadLetterEntry(
                new KafkaCoordinates("signer", 1, offset), "k", null, reason, "{}".getBytes(StandardCharsets.UTF_8));
    }
}
