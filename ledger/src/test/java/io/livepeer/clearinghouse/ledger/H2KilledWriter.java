package io.livepeer.clearinghouse.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.tx.Transaction;
import org.h2.mvstore.tx.TransactionMap;
import org.h2.mvstore.tx.TransactionStore;
import org.h2.result.SearchRow;
import org.h2.value.VersionedValue;

/**
 * A child JVM that leaves an H2 file exactly as a SIGKILLed application left it in the fault test (H2 2.3.232): the
 * meta-table row of one table's identity sequence updated by transaction {@code id} and written to the file without
 * its undo record, so that H2 never rolls it back. H2's own internals do it (test scope only); then the process halts
 * without closing anything, like a kill.
 *
 * <p>Arguments: the H2 URL (with the pool's settings), the table, the transaction id to leave the row locked by.
 */
public final class H2KilledWriter {

    private static final Pattern SEQUENCE = Pattern.compile("IDENTITY SEQUENCE (\"[^\"]+\"\\.\"[^\"]+\")");

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String table = args[1];
        int transactionId = Integer.parseInt(args[2]);
        Connection c = DriverManager.getConnection(url, "sa", "");
        SessionLocal session = (SessionLocal) ((JdbcConnection) c).getSession();
        MVStore store = session.getDatabase().getStore().getMvStore();
        TransactionStore transactions = session.getDatabase().getStore().getTransactionStore();
        MVMap<Long, VersionedValue<SearchRow>> meta = store.openMap("table.0"); // H2's meta table SYS
        List<Transaction> padding = new ArrayList<>();
        Transaction tx = transactions.begin();
        while (tx.getId() < transactionId) {
            padding.add(tx);
            tx = transactions.begin();
        }
        if (tx.getId() != transactionId) {
            throw new IllegalStateException("got transaction " + tx.getId() + ", wanted " + transactionId);
        }
        TransactionMap<Long, SearchRow> rows = tx.openMapX(meta);
        String sequence = null;
        for (Map.Entry<Long, SearchRow> e : rows.entrySet()) {
            String sql = e.getValue().getValue(3).getString();
            if (sql.startsWith("CREATE CACHED TABLE \"public\".\"" + table + "\"(")) {
                Matcher m = SEQUENCE.matcher(sql);
                if (m.find()) {
                    sequence = m.group(1);
                }
            }
        }
        Long key = null;
        for (Map.Entry<Long, SearchRow> e : rows.entrySet()) {
            if (sequence != null
                    && e.getValue().getValue(3).getString().startsWith("CREATE SEQUENCE " + sequence + " ")) {
                key = e.getKey();
            }
        }
        if (key == null) {
            throw new IllegalStateException("no identity sequence found for " + table);
        }
        rows.put(key, rows.get(key)); // the sequence's next block, as its flush writes it
        store.removeMap("undoLog." + tx.getId()); // the undo record did not reach the file
        store.commit();
        System.out.println("left " + sequence + " locked by transaction " + tx.getId());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
