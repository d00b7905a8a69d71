package io.livepeer.clearinghouse.ledger;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with a connection (inside or outside a transaction). */
@FunctionalInterface
public interface SqlWork<T> {

    T apply(Connection connection) throws SQLException;
}
