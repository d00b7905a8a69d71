package io.livepeer.clearinghouse.ledger;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * PostgreSQL array parameters of the metering hot path, bound so that pgjdbc sends them in the binary array format.
 *
 * <p>{@code Connection.createArrayOf} always builds the text literal {@code {"…","…"}}: every element escaped by the
 * driver and parsed back by the server's {@code array_in}. For the outbox insert (a ~1 KiB CloudEvent per row, 500 rows
 * a batch) that was the largest client-side cost of storing a batch (docs/benchmarks.md, meterfast). pgjdbc's
 * {@code setObject} with a {@code String[]}, {@code Long[]}, {@code Integer[]} or {@code Boolean[]} instead sends the
 * binary array format ({@code array_recv}): each element's UTF-8 bytes or fixed-width value with its length, no
 * escaping (pgjdbc {@code ArrayEncoding}; requires the extended query protocol, pgjdbc's default).
 *
 * <p>The statement text keeps its casts ({@code CAST(? AS NUMERIC[])}, {@code CAST(? AS TIMESTAMP WITH TIME ZONE[])}):
 * decimals and timestamps have no binary encoder in pgjdbc, so they travel as {@code varchar[]} of their exact text
 * ({@link BigDecimal#toString()}, ISO-8601) and the server converts each element with the type's own input function,
 * exactly as it did with the text literal. Null elements stay SQL NULL.
 */
public final class PgArrays {

    private PgArrays() {}

    /** A {@code varchar[]} parameter (binary). */
    public static void strings(PreparedStatement s, int index, String[] values) throws SQLException {
        s.setObject(index, values);
    }

    /** An {@code int8[]} parameter (binary); null elements allowed. */
    public static void longs(PreparedStatement s, int index, Long[] values) throws SQLException {
        s.setObject(index, values);
    }

    /** An {@code int8[]} parameter (binary) without nulls. */
    public static void longs(PreparedStatement s, int index, long[] values) throws SQLException {
        s.setObject(index, values);
    }

    /** An {@code int4[]} parameter (binary); null elements allowed. */
    public static void ints(PreparedStatement s, int index, Integer[] values) throws SQLException {
        s.setObject(index, values);
    }

    /** A {@code bool[]} parameter (binary); null elements allowed. */
    public static void booleans(PreparedStatement s, int index, Boolean[] values) throws SQLException {
        s.setObject(index, values);
    }

    /**
     * Decimals as a {@code varchar[]} of their exact text (binary), for a {@code CAST(? AS NUMERIC[])} in the
     * statement: no rounding, {@code numeric}'s input function reads plain and exponent notation alike.
     */
    public static void decimals(PreparedStatement s, int index, BigDecimal[] values) throws SQLException {
        String[] text = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            text[i] = values[i] == null ? null : values[i].toString();
        }
        s.setObject(index, text);
    }
}
