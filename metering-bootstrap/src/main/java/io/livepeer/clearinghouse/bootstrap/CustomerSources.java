package io.livepeer.clearinghouse.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.AccountKind;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where {@code customers sync} finds its customers:
 * <ul>
 *   <li>a CSV file with a header row: {@code key} (required), {@code name}, {@code email};</li>
 *   <li>a JSON file: an array of keys ({@code ["acme:alice"]}) or of objects {@code {"key", "name", "email"}};</li>
 *   <li>the credit ledger: every {@code customer:<key>} account.</li>
 * </ul>
 * Keys are trimmed, must be 1–256 characters (OpenMeter's customer key), and appear once (the first row wins).
 */
public final class CustomerSources {

    /** Longest customer key OpenMeter accepts. */
    public static final int MAX_KEY = 256;

    private CustomerSources() {}

    /**
     * Reads a CSV ({@code .csv}) or JSON (anything else) file.
     *
     * @throws IllegalArgumentException naming the row and field of bad input
     * @throws IOException              when the file cannot be read
     */
    public static List<CustomerSync.Customer> fromFile(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".csv") ? csv(file) : json(file);
    }

    private static List<CustomerSync.Customer> csv(Path file) throws IOException {
        CsvMapper mapper = new CsvMapper();
        CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnReordering(true);
        List<CustomerSync.Customer> out = new ArrayList<>();
        try (MappingIterator<Map<String, String>> rows =
                mapper.readerForMapOf(String.class).with(schema).readValues(file.toFile())) {
            int line = 1;
            while (rows.hasNext()) {
                line++;
                Map<String, String> row = rows.next();
                if (line == 2 && !row.containsKey("key")) {
                    throw new IllegalArgumentException(
                            file + ": the header row must name a 'key' column, got " + row.keySet());
                }
                out.add(customer(file + " line " + line, row.get("key"), row.get("name"), row.get("email")));
            }
        }
        return distinct(out);
    }

    private static List<CustomerSync.Customer> json(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(file));
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(
                    file + ": expected a JSON array of customer keys or of objects with a" + " \"key\"");
        }
        List<CustomerSync.Customer> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode item = root.get(i);
            String where = file + " [" + i + "]";
            if (item.isTextual()) {
                out.add(customer(where, item.asText(), null, null));
            } else if (item.isObject()) {
                out.add(customer(
                        where, JsonApi.text(item, "key"), JsonApi.text(item, "name"), JsonApi.text(item, "email")));
            } else {
                throw new IllegalArgumentException(where + ": expected a customer key or an object, got " + item);
            }
        }
        return distinct(out);
    }

    /**
     * Every customer account of the ledger, ordered by key.
     *
     * @throws SQLException when the database cannot be read
     */
    public static List<CustomerSync.Customer> fromLedger(Ledger ledger) throws SQLException {
        List<CustomerSync.Customer> out = new ArrayList<>();
        int page = 500;
        for (int offset = 0; ; offset += page) {
            List<Account> accounts = ledger.accounts(AccountKind.CUSTOMER, offset, page);
            for (Account a : accounts) {
                out.add(new CustomerSync.Customer(a.key().substring(AccountKeys.CUSTOMER_PREFIX.length()), null, null));
            }
            if (accounts.size() < page) {
                return out;
            }
        }
    }

    private static CustomerSync.Customer customer(String where, String key, String name, String email) {
        String k = key == null ? "" : key.trim();
        if (k.isEmpty() || k.length() > MAX_KEY) {
            throw new IllegalArgumentException(
                    where + ": key must be 1 to " + MAX_KEY + " characters, got '" + (key == null ? "" : key) + "'");
        }
        return new CustomerSync.Customer(k, blank(name), blank(email));
    }

    private static List<CustomerSync.Customer> distinct(List<CustomerSync.Customer> customers) {
        Map<String, CustomerSync.Customer> byKey = new LinkedHashMap<>();
        customers.forEach(c -> byKey.putIfAbsent(c.key(), c));
        return List.copyOf(byKey.values());
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
