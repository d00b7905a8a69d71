package io.livepeer.clearinghouse.ledger.credit;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An account and its posted totals (in its unit).
 *
 * @param id                         internal id
 * @param key                        account key, e.g. {@code customer:acme:alice}
 * @param kind                       kind
 * @param unit                       unit
 * @param debitsMustNotExceedCredits whether debits beyond the credits are refused
 * @param debitsPosted               sum of amounts debited
 * @param creditsPosted              sum of amounts credited
 * @param createdAt                  creation time
 * @param metadata                   free JSON text, may be null
 */
public record Account(
        long id,
        String key,
        AccountKind kind,
        Unit unit,
        boolean debitsMustNotExceedCredits,
        BigDecimal debitsPosted,
        BigDecimal creditsPosted,
        Instant createdAt,
        String metadata) {

    /** Net balance: credits − debits (for a customer, the credit left; negative when usage overdrew it). */
    public BigDecimal balance() {
        return creditsPosted.subtract(debitsPosted);
    }
}
