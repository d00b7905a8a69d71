package io.livepeer.clearinghouse.ledger.credit;

/** A ledger operation that cannot be done; the API maps each kind to an HTTP status. */
public abstract class LedgerException extends RuntimeException {

    private final String field;

    protected LedgerException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }

    /** Bad input (400). */
    public static final class Invalid extends LedgerException {
        public Invalid(String field, String message) {
            super(field, message);
        }
    }

    /** An account or transfer that does not exist (404). */
    public static final class NotFound extends LedgerException {
        public NotFound(String field, String message) {
            super(field, message);
        }
    }

    /** A transfer id already used for a different transfer, or a transfer already reversed (409). */
    public static final class Conflict extends LedgerException {
        public Conflict(String field, String message) {
            super(field, message);
        }
    }

    /** The debit would exceed the credits of an account flagged "debits must not exceed credits" (422). */
    public static final class InsufficientFunds extends LedgerException {
        public InsufficientFunds(String field, String message) {
            super(field, message);
        }
    }
}
