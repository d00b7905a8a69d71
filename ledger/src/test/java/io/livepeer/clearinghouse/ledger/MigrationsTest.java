package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.livepeer.clearinghouse.testing.TestDatabases;
import java.util.Arrays;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;

/** Every table comes from the ledger's one migration folder, and released migrations never change. */
class MigrationsTest {

    @Test
    void the_ledger_alone_creates_every_table_and_released_migrations_keep_their_checksums() {
        var target = TestDatabases.h2();
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            MigrationInfo[] applied = Flyway.configure()
                    .dataSource(db.dataSource())
                    .locations("classpath:db/migration")
                    .load()
                    .info()
                    .applied();
            // a database migrated before V3 moved here from signer-bridge validates only if name and checksum match
            assertThat(Arrays.stream(applied)
                            .map(m -> tuple(m.getVersion().getVersion(), m.getScript(), m.getChecksum())))
                    .containsExactly(
                            tuple("1", "V1__outbox_and_dead_letters.sql", -970041585),
                            tuple("2", "V2__ledger.sql", 1378460579),
                            tuple("3", "V3__api_keys.sql", -348482500),
                            tuple("4", "V4__outbox_delivery_claims.sql", 258714061),
                            tuple("5", "V5__balance_deltas_and_retention.sql", 1677049205),
                            tuple("6", "V6__signer_usd_and_price_audit.sql", 1688459810),
                            tuple("7", "V7__ticket_sequences_and_forks.sql", -180183802),
                            tuple("8", "V8__dead_letter_redrive.sql", -1959826260),
                            tuple("9", "db.migration.V9__usage_postings_in_outbox", 90000001),
                            tuple("10", "V10__ticket_session_summaries.sql", 972696074),
                            tuple("11", "V11__orchestrators.sql", 2044191552),
                            tuple("12", "V12__quartz_job_store.sql", -1097979820),
                            tuple("13", "V13__orchestrator_credit_and_autosleep.sql", 1203119144),
                            tuple("14", "V14__spend_control.sql", 227133080),
                            tuple("15", "V15__payout_intents.sql", -1008530330),
                            tuple("17", "V17__customer_alerts.sql", -478100406),
                            tuple("18", "V18__payout_tickets.sql", 1513605802),
                            tuple("19", "V19__escrow_fundings.sql", -130752396),
                            tuple("21", "V21__spend_held_total.sql", -966888896),
                            tuple("24", "V24__escrow_funding_replacements.sql", -1649916679));
        }
    }
}
