package io.livepeer.clearinghouse.ledger;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Telling a database that is unavailable from a database that refuses a row, by the SQLSTATE of a failure (the
 * standard classes, which PostgreSQL and H2 both follow).
 *
 * <ul>
 *   <li><b>refused data</b>: class {@code 22} (data exception: value too long {@code 22001}, numeric overflow
 *       {@code 22003}, a NUL byte {@code 22021}, …) and class {@code 23} (integrity constraint violation: check,
 *       not-null, unique, foreign key). The same row fails the same way on every try: retrying cannot help.</li>
 *   <li>everything else is treated as the database being unavailable or busy (connection {@code 08}, transaction
 *       rollback {@code 40} such as deadlocks and serialisation failures, resources {@code 53}, operator intervention
 *       {@code 57}, a pool timeout without a state, …): retry, never give a record up for it.</li>
 * </ul>
 */
public final class SqlErrors {

    private static final int MAX_REASON = 300;
    private static final int MAX_DEPTH = 16;

    private SqlErrors() {}

    /**
     * Whether {@code e} says the database refused the data (SQLSTATE class 22 or 23) rather than being unavailable.
     * A transient or recoverable exception type (a pool timeout, a lost connection) is never a refusal.
     */
    public static boolean refusesData(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return false;
        }
        String state = state(e);
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /**
     * Whether {@code e} is a unique-key violation (SQLSTATE 23505 on PostgreSQL and H2): with concurrent writers, the
     * sign that another transaction stored the same key first (PostgreSQL raises it only once that one committed).
     */
    public static boolean uniqueViolation(SQLException e) {
        return refusesData(e) && "23505".equals(state(e));
    }

    /**
     * The database's own reason, short and on one line: the SQLSTATE and the first line of the innermost message
     * (a batch failure's next exception), without the SQL statement H2 appends, at most 300 characters.
     */
    public static String reason(SQLException e) {
        SQLException inner = innermost(e);
        String message = inner.getMessage() == null ? inner.getClass().getSimpleName() : inner.getMessage();
        int statement = message.indexOf("; SQL statement:");
        if (statement >= 0) {
            message = message.substring(0, statement);
        }
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        message = message.strip();
        String state = state(e);
        String text = (state == null ? "" : "SQLSTATE " + state + ": ") + message;
        return Texts.clip(text, MAX_REASON);
    }

    /** The first SQLSTATE along the chain of next exceptions and causes. */
    static String state(SQLException e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = next(t)) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static SQLException innermost(SQLException e) {
        SQLException inner = e;
        Throwable t = e;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = next(t)) {
            if (t instanceof SQLException sql) {
                inner = sql;
            }
        }
        return inner;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof SQLException sql && sql.getNextException() != null && sql.getNextException() != t) {
            return sql.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }
}
