package io.livepeer.clearinghouse.bridge;

/** Turns the end user's credential (from the gateway's {@code Authorization} header) into a principal. */
public interface CredentialVerifier {

    /**
     * @param credential the credential, {@code Bearer } prefix already removed
     * @return verified or denied; never throws for a bad credential
     * @throws CredentialStoreException when the credential cannot be checked at all (key store or JWKS unreachable):
     *                                  the caller must deny, never allow
     */
    Verification verify(String credential) throws CredentialStoreException;

    /** {@code api_key} or {@code oidc}. */
    String mode();

    /** Checking was impossible (not a bad credential). */
    class CredentialStoreException extends Exception {
        public CredentialStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
