package io.livepeer.clearinghouse.ledger;

import java.util.Locale;

/**
 * Everything that differs between the two SQL engines, in one place. The rest of this module writes one portable
 * SQL (PostgreSQL's, which H2 understands in {@code MODE=PostgreSQL}): {@code INSERT … ON CONFLICT DO NOTHING},
 * multi-row {@code VALUES}, generated keys for the inserted rows, {@code LIMIT}, {@code ||}. Where the engines really
 * differ, a store asks its {@link Database#dialect()} for the fragment instead of switching on the engine itself.
 *
 * <p>{@link Database#open} chooses the dialect from the JDBC URL ({@link #of}).
 */
public enum SqlDialect {

    /** H2 2.x, embedded (the default for one laptop), run in PostgreSQL compatibility mode. */
    H2 {
        @Override
        public String connectionUrl(String jdbcUrl) {
            String url = jdbcUrl;
            if (!url.toUpperCase(Locale.ROOT).contains("MODE=POSTGRESQL")) {
                url = url + H2_COMPATIBILITY;
            }
            if (url.startsWith("jdbc:h2:file:") && !url.toUpperCase(Locale.ROOT).contains("AUTO_SERVER")) {
                // lets ./clearinghouse ledger … read the file while the application runs
                url = url + ";AUTO_SERVER=TRUE";
            }
            if (!url.startsWith("jdbc:h2:mem:") && !url.toUpperCase(Locale.ROOT).contains("WRITE_DELAY")) {
                // H2 keeps commits in memory and writes them in the background up to WRITE_DELAY (500 ms) later: a
                // kill -9 loses batches whose Kafka offsets are already committed. 0 writes each commit to the
                // file before the commit returns (the operating system's cache: it survives the process, not a
                // power cut; H2 does not fsync per commit)
                url = url + ";WRITE_DELAY=0";
            }
            return url;
        }

        @Override
        public String rowLockForUpdate() {
            return "FOR UPDATE";
        }

        @Override
        public String updateFromValues(String target, String values, String condition, String assignments) {
            // H2 has no UPDATE … FROM
            return "MERGE INTO " + target + " USING " + values + " ON " + condition + " WHEN MATCHED THEN UPDATE SET "
                    + assignments;
        }
    },

    /** PostgreSQL (production). */
    POSTGRESQL {
        @Override
        public String connectionUrl(String jdbcUrl) {
            return jdbcUrl;
        }

        @Override
        public String rowLockForUpdate() {
            // the lock an UPDATE of non-key columns takes: compatible with the KEY SHARE locks that foreign-key checks
            // of concurrent inserts hold (FOR UPDATE against those deadlocks)
            return "FOR NO KEY UPDATE";
        }

        @Override
        public String updateFromValues(String target, String values, String condition, String assignments) {
            return "UPDATE " + target + " SET " + assignments + " FROM " + values + " WHERE " + condition;
        }
    };

    /** PostgreSQL semantics for the portable SQL on H2; NULLs sort last as on PostgreSQL. */
    private static final String H2_COMPATIBILITY = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

    /**
     * The dialect of a JDBC URL.
     *
     * @param jdbcUrl {@code jdbc:postgresql:…} or {@code jdbc:h2:…}
     * @throws IllegalArgumentException for any other URL (the message shows it without credentials)
     */
    public static SqlDialect of(String jdbcUrl) {
        if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        throw new IllegalArgumentException("unsupported JDBC URL " + Database.redactUrl(jdbcUrl)
                + ": use jdbc:postgresql://host/db or jdbc:h2:file:path");
    }

    /**
     * The URL the pool connects with: H2 gets the PostgreSQL compatibility settings when the URL does not choose a
     * mode itself, a file database {@code AUTO_SERVER=TRUE} so the offline commands can open it beside the running
     * application, and every H2 database that is not in memory {@code WRITE_DELAY=0} unless the URL sets a write
     * delay itself: a commit is written to the file before it returns, so a killed process (SIGKILL, OOM kill) loses
     * no committed transaction (H2 2.x writes commits in the background otherwise, up to 500 ms later). Not an
     * fsync: a power cut can still lose the last commits; PostgreSQL is the database for that. PostgreSQL URLs are
     * used as given.
     */
    public abstract String connectionUrl(String jdbcUrl);

    /**
     * The row-lock clause a {@code SELECT} ends with before the selected rows' non-key columns are updated:
     * {@code FOR NO KEY UPDATE} on PostgreSQL, {@code FOR UPDATE} on H2 (which has no weaker update lock).
     */
    public abstract String rowLockForUpdate();

    /**
     * An update of {@code target}'s rows from a {@code VALUES} list, in one statement:
     * {@code UPDATE … SET … FROM … WHERE …} on PostgreSQL,
     * {@code MERGE INTO … USING … ON … WHEN MATCHED THEN UPDATE SET …} on H2.
     *
     * @param target      table and alias, e.g. {@code ledger_accounts a}
     * @param values      the derived table, e.g. {@code (VALUES (?, ?), (?, ?)) AS v(id, d)}
     * @param condition   how a value row matches a target row, e.g. {@code a.id = v.id}
     * @param assignments the {@code SET} list, e.g. {@code debits_posted = a.debits_posted + v.d}
     */
    public abstract String updateFromValues(String target, String values, String condition, String assignments);
}
