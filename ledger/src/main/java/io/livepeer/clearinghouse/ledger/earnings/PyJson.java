package io.livepeer.clearinghouse.ledger.earnings;

import java.util.Map;
import java.util.TreeMap;

/**
 * Compact JSON exactly as Python's {@code json.dumps(obj, sort_keys=True, separators=(",", ":"))} writes it (the
 * default {@code ensure_ascii=True}): keys sorted by code point, strings escaped with {@code \" \\ \b \f \n \r \t}
 * and {@code \\uXXXX} (lower-case hex, UTF-16 units) for everything outside printable ASCII. Values: String, Integer,
 * Long, null. Used for {@code proof_hash} so audits made by livepeer-ops carry over.
 */
final class PyJson {

    private PyJson() {}

    /** Serializes a flat object; values are String, Integer, Long or null. */
    static String object(Map<String, ?> values) {
        StringBuilder out = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, ?> e : new TreeMap<>(values).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, e.getKey());
            out.append(':');
            Object v = e.getValue();
            if (v == null) {
                out.append("null");
            } else if (v instanceof Integer || v instanceof Long) {
                out.append(v);
            } else if (v instanceof String s) {
                string(out, s);
            } else {
                throw new IllegalArgumentException("unsupported JSON value " + v.getClass());
            }
        }
        return out.append('}').toString();
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c >= 0x20 && c <= 0x7e) {
                        out.append(c);
                    } else {
                        out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        out.append('"');
    }
}
