package io.livepeer.clearinghouse.routes.core;

/**
 * Makes health messages survive Camel 4.18's management endpoint, which escapes a check's message and then
 * serializes it as JSON again ({@code ManagementHttpServer}: {@code jo.put("message", Jsoner.escape(msg))}), so
 * {@code /}, {@code "} and {@code \} reach clients double-escaped. Messages are written without them.
 */
public final class HealthMessages {

    private HealthMessages() {}

    /** {@code text} with {@code scheme://} dropped, {@code /} as a division slash, quotes as apostrophes. */
    public static String safe(String text) {
        if (text == null) {
            return null;
        }
        return text.replaceAll("[a-zA-Z][a-zA-Z0-9+.-]*://", "")
                .replace('/', '\u2215')
                .replace('"', '\'')
                .replace("\\", "");
    }
}
