package io.livepeer.clearinghouse.ledger.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxWriter;
import io.livepeer.clearinghouse.ledger.payouts.Nonces;
import io.livepeer.clearinghouse.testing.MutableClock;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The funding store (V19) and the metered spend per signer, on H2 and PostgreSQL. */
class FundingsTest {

    static final String TREASURY = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    static final String SIGNER = "0x" + "ab".repeat(20);
    static final long CHAIN = 42161;
    static final BigInteger CAP = BigInteger.valueOf(1000);

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static Database open(JdbcTarget t) {
        return Database.open(new DatabaseConfig(t.url(), t.user(), t.password(), 4));
    }

    static Fundings.Request request(long deposit, long reserve) {
        return new Fundings.Request(
                FundingPurpose.SIGNER_TOPUP,
                SIGNER.toUpperCase().replace("0X", "0x"),
                BigInteger.valueOf(deposit),
                BigInteger.valueOf(reserve),
                CHAIN,
                TREASURY,
                BigInteger.valueOf(3),
                CAP);
    }

    static Fundings.Signer signer(String tag) {
        return nonce -> new Fundings.Signed("0x02" + tag + nonce, "0x" + tag + String.format("%063x", nonce));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_funding_is_stored_signed_with_the_next_nonce_before_anything_is_sent(JdbcTarget target) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T23:00:00Z"));
        try (Database db = open(target)) {
            Fundings fundings = new Fundings(db, clock);

            Funding first = fundings.record(request(600, 100), signer("a"));
            Funding second = fundings.record(request(200, 0), signer("b"));

            assertThat(first.state()).isEqualTo(FundingState.SIGNED);
            assertThat(first.beneficiary()).isEqualTo(SIGNER);
            assertThat(first.valueWei()).isEqualTo(700);
            assertThat(first.nonce()).isEqualTo(3);
            assertThat(first.rawTx()).isEqualTo("0x02a3");
            assertThat(first.fundingDay()).isEqualTo(LocalDate.parse("2026-11-28"));
            assertThat(second.nonce()).isEqualTo(4);
            assertThat(new Nonces(db, clock).next(CHAIN, TREASURY)).contains(BigInteger.valueOf(5));
            assertThat(fundings.open())
                    .extracting(Funding::fundingId)
                    .containsExactly(first.fundingId(), second.fundingId());
            assertThat(fundings.openFor(FundingPurpose.SIGNER_TOPUP, SIGNER)).isPresent();
            assertThat(fundings.openFor(FundingPurpose.PAYOUT_DEPOSIT, SIGNER)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_daily_cap_counts_every_funding_not_failed_and_a_refused_one_stores_nothing(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T23:00:00Z"));
        try (Database db = open(target)) {
            Fundings fundings = new Fundings(db, clock);
            Funding a = fundings.record(request(700, 0), signer("a"));
            fundings.markBroadcast(a.fundingId());

            assertThatThrownBy(() -> fundings.record(request(301, 0), signer("b")))
                    .isInstanceOf(Fundings.CapReached.class)
                    .hasMessageContaining("700 wei funded on 2026-11-28")
                    .hasMessageContaining("daily cap of 1000 wei");
            assertThat(fundings.recent(FundingPurpose.SIGNER_TOPUP, SIGNER, 10)).hasSize(1);
            assertThat(new Nonces(db, clock).next(CHAIN, TREASURY))
                    .as("the refused funding used no nonce")
                    .contains(BigInteger.valueOf(4));

            // a confirmed funding still counts; a failed one does not
            Funding b = fundings.record(request(300, 0), signer("c"));
            fundings.markConfirmed(b.fundingId(), 10, "0x" + "cd".repeat(32));
            assertThat(fundings.countedToday(FundingPurpose.SIGNER_TOPUP, SIGNER))
                    .isEqualTo(1000);
            Funding failed = fundings.markFailed(a.fundingId(), 11L, "reverted in block 11");
            assertThat(failed.state()).isEqualTo(FundingState.FAILED);
            assertThat(failed.lastError()).isEqualTo("reverted in block 11");
            assertThat(fundings.countedToday(FundingPurpose.SIGNER_TOPUP, SIGNER))
                    .isEqualTo(300);

            // the next UTC day starts from zero
            clock.advance(Duration.ofHours(1));
            assertThat(fundings.countedToday(FundingPurpose.SIGNER_TOPUP, SIGNER))
                    .isZero();
            assertThat(fundings.record(request(1000, 0), signer("d")).fundingDay())
                    .isEqualTo(LocalDate.parse("2026-11-29"));
            assertThat(fundings.countByState())
                    .containsEntry(FundingState.SIGNED, 1L)
                    .containsEntry(FundingState.CONFIRMED, 1L)
                    .containsEntry(FundingState.FAILED, 1L)
                    .containsEntry(FundingState.BROADCAST, 0L);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void a_replacement_is_stored_as_the_next_attempt_and_whichever_attempt_was_mined_confirms(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (Database db = open(target)) {
            Fundings fundings = new Fundings(db, clock);
            Funding original = fundings.record(request(600, 0), signer("a"));
            fundings.markBroadcast(original.fundingId());
            fundings.noteError(original.fundingId(), "max fee per gas less than block base fee");
            clock.advance(Duration.ofMinutes(10));

            Funding replaced =
                    fundings.replace(original.fundingId(), new Fundings.Signed("0x02b3", "0x" + "b3".repeat(32)));

            assertThat(replaced.replacements()).isEqualTo(1);
            assertThat(replaced.txHash()).isEqualTo("0x" + "b3".repeat(32));
            assertThat(replaced.rawTx()).isEqualTo("0x02b3");
            assertThat(replaced.nonce()).isEqualTo(original.nonce());
            assertThat(replaced.state()).isEqualTo(FundingState.BROADCAST);
            assertThat(replaced.lastError()).isNull();
            assertThat(fundings.attempts(original.fundingId()))
                    .extracting(FundingAttempt::attempt, FundingAttempt::txHash)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(0, original.txHash()),
                            org.assertj.core.groups.Tuple.tuple(1, "0x" + "b3".repeat(32)));
            assertThat(fundings.attempts(original.fundingId()).get(1).createdAt())
                    .isEqualTo(clock.instant());
            assertThat(fundings.countedToday(FundingPurpose.SIGNER_TOPUP, SIGNER))
                    .as("a replacement funds nothing more")
                    .isEqualTo(600);
            assertThat(new Nonces(db, clock).next(CHAIN, TREASURY))
                    .as("a replacement takes no new nonce")
                    .contains(BigInteger.valueOf(4));

            // the original was mined after all: it confirms the funding and becomes its transaction
            Funding confirmed =
                    fundings.markConfirmed(original.fundingId(), original.txHash(), 12, "0x" + "cd".repeat(32));
            assertThat(confirmed.state()).isEqualTo(FundingState.CONFIRMED);
            assertThat(confirmed.txHash()).isEqualTo(original.txHash());
            assertThat(confirmed.rawTx()).isEqualTo(original.rawTx());
            assertThatThrownBy(() -> fundings.replace(
                            original.fundingId(), new Fundings.Signed("0x02c3", "0x" + "c3".repeat(32))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("CONFIRMED");
            assertThat(fundings.attempts(original.fundingId())).hasSize(2);
            assertThatThrownBy(() -> fundings.markFailed(original.fundingId(), "0x" + "dd".repeat(32), 13L, "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not an attempt");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void two_instances_funding_at_once_stay_within_the_cap_and_take_distinct_nonces(JdbcTarget target)
            throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (Database one = open(target);
                Database two = open(target)) {
            List<Fundings> instances = List.of(new Fundings(one, clock), new Fundings(two, clock));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Funding>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Fundings f = instances.get(i % 2);
                    String tag = Integer.toHexString(10 + i);
                    results.add(pool.submit(() -> f.record(request(600, 0), signer(tag))));
                }
                int stored = 0;
                int refused = 0;
                for (java.util.concurrent.Future<Funding> r : results) {
                    try {
                        r.get();
                        stored++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(Fundings.CapReached.class);
                        refused++;
                    }
                }
                assertThat(stored).isEqualTo(1);
                assertThat(refused).isEqualTo(3);
            } finally {
                pool.shutdownNow();
            }
            assertThat(instances.get(0).countedToday(FundingPurpose.SIGNER_TOPUP, SIGNER))
                    .isEqualTo(600);
            assertThat(new Nonces(one, clock).next(CHAIN, TREASURY)).contains(BigInteger.valueOf(4));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void metered_fee_wei_is_summed_per_payer_within_the_window(JdbcTarget target) throws Exception {
        Instant now = Instant.parse("2026-11-28T12:00:00Z");
        try (Database db = open(target)) {
            new OutboxWriter(db)
                    .append(
                            List.of(
                                    entry(
                                            "e1",
                                            now.minusSeconds(60),
                                            "7",
                                            SIGNER.toUpperCase().replace("0X", "0x")),
                                    entry("e2", now.minusSeconds(120), "18446744073709551616", SIGNER),
                                    entry("e3", now.minusSeconds(30), "5", null),
                                    entry("e4", now.minusSeconds(7200), "1000", SIGNER),
                                    entry("e5", now.minusSeconds(10), "9", TREASURY)),
                            now);
            EscrowSigners signers = new EscrowSigners(db);

            EscrowSigners.Spend spend = signers.spend(now.minusSeconds(3600), now);

            assertThat(spend.of(SIGNER)).isEqualTo(new BigInteger("18446744073709551623"));
            assertThat(spend.of(TREASURY)).isEqualTo(9);
            assertThat(spend.unattributed()).isEqualTo(5);

            signers.save(new SignerObservation(
                    SIGNER, BigInteger.TEN, BigInteger.ONE, BigInteger.ZERO, BigInteger.TWO, null, "top-up off", now));
            signers.save(new SignerObservation(
                    SIGNER,
                    BigInteger.ONE,
                    BigInteger.ZERO,
                    BigInteger.ZERO,
                    BigInteger.TWO,
                    new BigDecimal("0.50"),
                    "dry run",
                    now));
            assertThat(signers.all()).singleElement().satisfies(o -> {
                assertThat(o.depositWei()).isEqualTo(1);
                assertThat(o.runwayHours()).isEqualByComparingTo("0.5");
                assertThat(o.lastDecision()).isEqualTo("dry run");
            });
        }
    }

    private static OutboxEntry entry(String id, Instant at, String feeWei, String payer) {
        return new OutboxEntry(
                id,
                "customer-1",
                "live-video-to-video",
                "unknown",
                at,
                new BigInteger(feeWei),
                BigDecimal.ONE,
                BigDecimal.ONE,
                new BigDecimal("3000"),
                "{}",
                null,
                null,
                payer,
                OutboxEntry.UsdAudit.NONE);
    }
}
