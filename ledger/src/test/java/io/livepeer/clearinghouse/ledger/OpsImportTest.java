package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.OpsImport;
import io.livepeer.clearinghouse.ledger.credit.Reconciliation;
import io.livepeer.clearinghouse.ledger.credit.Transfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import io.livepeer.clearinghouse.ledger.credit.Unit;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The livepeer-ops import on the sample directory in src/test/resources/ops-sample. */
class OpsImportTest {

    static final Path SAMPLE = Path.of("src", "test", "resources", "ops-sample");
    static final String ALPHA = "0xa1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

    @Test
    void the_journal_becomes_wei_transfers_once_and_differences_with_balances_json_are_reported() throws Exception {
        var target = TestDatabases.h2();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Ledger ledger = new Ledger(db, Clock.systemUTC());
            OpsImport.Report first = new OpsImport(ledger).run(SAMPLE, false);

            assertThat(first.journalLines()).isEqualTo(7);
            assertThat(first.posted()).isEqualTo(5);
            assertThat(first.errors())
                    .containsExactly(
                            "line 6: amount has more than 18 decimals: 0.0000000000000000001", "line 7: not JSON");
            // 1.0 + 0.5, then set to 1.25 ETH
            assertThat(first.journalBalances().get(ALPHA)).isEqualTo(new BigInteger("1250000000000000000"));
            var alpha = ledger.account("orchestrator:" + ALPHA).orElseThrow();
            assertThat(alpha.unit()).isEqualTo(Unit.WEI);
            assertThat(alpha.debitsMustNotExceedCredits()).isTrue();
            assertThat(alpha.balance()).isEqualByComparingTo("1250000000000000000");
            assertThat(ledger.account("orchestrator:0xb2c3d4e5f60718293a4b5c6d7e8f901234567891")
                            .orElseThrow()
                            .balance())
                    .isEqualByComparingTo("7");
            assertThat(first.differences()).singleElement().satisfies(d -> {
                assertThat(d.orchestrator()).isEqualTo("orch-gamma");
                assertThat(d.journalWei()).isEqualTo(new BigInteger("3000000000000000000"));
                assertThat(d.balancesJsonWei()).isEqualTo(new BigInteger("3500000000000000000"));
            });
            assertThat(first.markdown())
                    .contains("| orch-gamma | 3000000000000000000 | 3500000000000000000 | differs |")
                    .contains("rerun with --adopt-balances");
            Transfer correction = ledger.transfers("orchestrator:" + ALPHA, null, null, null, null, 1)
                    .get(0);
            assertThat(correction.kind()).isEqualTo(TransferKind.IMPORT);
            assertThat(correction.debitAccount()).isEqualTo("orchestrator:" + ALPHA);
            assertThat(correction.amount()).isEqualByComparingTo("250000000000000000");
            assertThat(correction.metadata()).contains("manual correction").contains("\"line\":3");

            OpsImport.Report again = new OpsImport(ledger).run(SAMPLE, false);
            assertThat(again.posted()).isZero();
            assertThat(again.alreadyImported()).isEqualTo(5);

            OpsImport.Report adopted = new OpsImport(ledger).run(SAMPLE, true);
            assertThat(adopted.adopted()).isEqualTo(1);
            assertThat(ledger.account("orchestrator:orch-gamma").orElseThrow().balance())
                    .isEqualByComparingTo("3500000000000000000");
            assertThat(new OpsImport(ledger).run(SAMPLE, true).adopted()).isZero();
            assertThat(new Reconciliation(db, Clock.systemUTC()).run().ok()).isTrue();
        }
    }

    @Test
    void a_directory_without_ops_data_is_refused(@TempDir Path empty) throws Exception {
        var target = TestDatabases.h2();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Files.createDirectories(empty.resolve("audit"));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> new OpsImport(new Ledger(db, Clock.systemUTC())).run(empty, false))
                    .hasMessageContaining("no livepeer-ops data in");
        }
    }
}
