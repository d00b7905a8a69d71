package io.livepeer.clearinghouse.ledger;

/** Fitting free text into bounded columns. */
public final class Texts {

    private Texts() {}

    /**
     * {@code text} made storable and cut to at most {@code max} characters (ending in "…" when cut, never between the
     * two halves of a surrogate pair); NUL characters and unpaired surrogates, which PostgreSQL refuses or mangles,
     * become U+FFFD. Null stays null.
     */
    public static String clip(String text, int max) {
        if (text == null) {
            return null;
        }
        String clean = storable(text);
        if (clean.length() <= max) {
            return clean;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(clean.charAt(end - 1))) {
            end--;
        }
        return clean.substring(0, end) + "…";
    }

    /** {@code text} with each NUL and unpaired surrogate replaced by U+FFFD. */
    public static String storable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            boolean bad = c == '\u0000' || (Character.isSurrogate(c) && !pair);
            if (bad && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                out.append(bad ? '\uFFFD' : c);
                if (pair) {
                    out.append(text.charAt(i + 1));
                }
            }
            if (pair) {
                i++;
            }
        }
        return out == null ? text : out.toString();
    }
}
