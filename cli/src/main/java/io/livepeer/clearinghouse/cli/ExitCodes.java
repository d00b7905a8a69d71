package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.openmeter.ApiProblem;
import io.livepeer.clearinghouse.processors.catalog.CatalogException;

/**
 * The one exit-code table of {@code ./clearinghouse} and every command (documented in {@code docs/operations.md},
 * "Exit codes"). A code means the same thing whichever command returns it; a command uses the codes that apply to it.
 */
public final class ExitCodes {

    /** Success; for {@code bootstrap plan}: the remote matches the catalog. */
    public static final int OK = 0;
    /** An unexpected failure (the message says what). */
    public static final int FAILED = 1;
    /** {@code bootstrap plan}: changes are pending (run {@code apply}). */
    public static final int CHANGES_PENDING = 2;
    /**
     * The data disagree and a human decides: {@code ledger reconcile} found the books do not balance, {@code ledger
     * import-ops} refused entries or left balances differing, {@code bootstrap plan|apply} found a change OpenMeter
     * cannot make, {@code reconcile openmeter} found drift between the outbox and OpenMeter.
     */
    public static final int CONFLICT = 3;
    /** The input is invalid or missing (a file, the catalog, a token file, a setting); nothing was done. */
    public static final int INVALID_INPUT = 4;
    /** OpenMeter refused a request (401/403/4xx), or stayed unreachable after the retries. */
    public static final int REMOTE_ERROR = 5;
    /** Wrong command-line usage: an unknown command or option, a malformed or missing argument. */
    public static final int USAGE = 64;

    /** The table as {@code ./clearinghouse --help} prints it: code → meaning, in order. */
    static java.util.Map<String, String> help() {
        java.util.Map<String, String> table = new java.util.LinkedHashMap<>();
        table.put(String.valueOf(OK), "success (bootstrap plan: in sync)");
        table.put(String.valueOf(FAILED), "unexpected failure");
        table.put(String.valueOf(CHANGES_PENDING), "bootstrap plan: changes pending");
        table.put(
                String.valueOf(CONFLICT),
                "conflict: the ledger books do not balance, an import differs, a catalog"
                        + " change OpenMeter cannot make, or the outbox and OpenMeter drift");
        table.put(
                String.valueOf(INVALID_INPUT),
                "invalid or missing input (a file, the catalog, a token file, a" + " setting); nothing was done");
        table.put(String.valueOf(REMOTE_ERROR), "OpenMeter refused a request or stayed unreachable");
        table.put(String.valueOf(USAGE), "usage error: unknown command or option, bad or missing argument");
        return table;
    }

    private ExitCodes() {}

    /**
     * The exit code of a command that failed with an exception: invalid input (an {@link IllegalArgumentException}
     * or a {@link CatalogException}) is {@link #INVALID_INPUT}, a refusal by OpenMeter ({@link ApiProblem}) is
     * {@link #REMOTE_ERROR}, anything else {@link #FAILED}.
     */
    public static int forFailure(Throwable failure) {
        if (failure instanceof IllegalArgumentException || failure instanceof CatalogException) {
            return INVALID_INPUT;
        }
        if (failure instanceof ApiProblem) {
            return REMOTE_ERROR;
        }
        return FAILED;
    }
}
