package io.livepeer.clearinghouse.ledger;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Typed reads of named columns for the stores' row mappers (the conversions both engines need alike). */
public final class Rows {

    private Rows() {}

    /** A {@code TIMESTAMP WITH TIME ZONE} column as an instant; null stays null. */
    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** A NUMERIC column of USD micros (or another decimal amount), normalised by {@link Amounts#micros}; null → 0. */
    public static BigDecimal micros(ResultSet rs, String column) throws SQLException {
        return Amounts.micros(rs.getBigDecimal(column));
    }

    /** A whole-number NUMERIC column (wei) as a big integer; null stays null. */
    public static BigInteger integer(ResultSet rs, String column) throws SQLException {
        BigDecimal value = rs.getBigDecimal(column);
        return value == null ? null : value.toBigIntegerExact();
    }

    /** An INTEGER column that may be NULL. */
    public static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }
}
