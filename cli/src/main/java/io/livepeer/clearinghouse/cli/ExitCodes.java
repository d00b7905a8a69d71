package io.livepeer.clearinghouse.cli;

/** Exit codes of {@code ./clearinghouse bootstrap …} (documented in {@code docs/metering-bootstrap.md}). */
public final class ExitCodes {

    /** Success; for {@code plan}: the remote matches the catalog. */
    public static final int OK = 0;
    /** An unexpected failure. */
    public static final int FAILED = 1;
    /** {@code plan}: changes are pending (run {@code apply}). */
    public static final int CHANGES_PENDING = 2;
    /** The catalog asks for changes OpenMeter cannot make (immutable meter fields, features); see the report. */
    public static final int CONFLICT = 3;
    /** The catalog (or a customers file) is invalid; nothing was sent. */
    public static final int INVALID_INPUT = 4;
    /** OpenMeter refused a request (401/403/4xx), or stayed unreachable after the retries. */
    public static final int REMOTE_ERROR = 5;
    /** Wrong command-line usage. */
    public static final int USAGE = 64;

    private ExitCodes() {
    }
}
