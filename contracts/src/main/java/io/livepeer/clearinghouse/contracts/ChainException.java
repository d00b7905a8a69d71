package io.livepeer.clearinghouse.contracts;

/** A JSON-RPC call failed or the node refused a request; the message carries the node's reason. */
public class ChainException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** With the node's reason. */
    public ChainException(String message) {
        super(message);
    }

    /** With the underlying failure (I/O, timeout). */
    public ChainException(String message, Throwable cause) {
        super(message, cause);
    }
}
