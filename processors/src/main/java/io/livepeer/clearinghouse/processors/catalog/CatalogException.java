package io.livepeer.clearinghouse.processors.catalog;

/** A catalog file that cannot be used; the message says where and why. */
public class CatalogException extends RuntimeException {

    public CatalogException(String message) {
        super(message);
    }

    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
