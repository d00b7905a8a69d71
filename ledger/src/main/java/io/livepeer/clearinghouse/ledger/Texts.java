package io.livepeer.clearinghouse.ledger;

/** Fitting free text into bounded columns. */
public final class Texts {

    private Texts() {}

    /** {@code text} cut to at most {@code max} characters (ending in "…" when cut); null stays null. */
    public static String clip(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max - 1) + "…";
    }
}
