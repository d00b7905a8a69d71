package io.livepeer.clearinghouse.ledger.orchestrators;

import java.math.BigDecimal;
import java.util.List;

/**
 * What an admin registers or changes (the backend's {@code RegistrationPayload}). For an update, null fields keep
 * their value.
 *
 * @param orchestratorId     id: 1–128 characters of {@code A-Z a-z 0-9 . _ - : @}
 * @param address            payout address, {@code 0x} + 40 hex digits (the caller checks EIP-55 and passes the
 *                           checksummed form)
 * @param capability         may be null
 * @param contactEmail       may be null
 * @param hostPublicIp       may be null
 * @param hostName           may be null
 * @param healthUrl          http(s) URL, at most 512 characters, may be null
 * @param healthTimeout      seconds, 0.1–60, may be null
 * @param monitoredServices  at most 25 names, may be null
 * @param minServiceUptime   percent 0–100, may be null
 * @param metadata           free JSON text, may be null
 */
public record Registration(
        String orchestratorId,
        String address,
        String capability,
        String contactEmail,
        String hostPublicIp,
        String hostName,
        String healthUrl,
        BigDecimal healthTimeout,
        List<String> monitoredServices,
        BigDecimal minServiceUptime,
        String metadata) {

    /** Only an id and an address. */
    public static Registration of(String orchestratorId, String address) {
        return new Registration(orchestratorId, address, null, null, null, null, null, null, null, null, null);
    }

    /** A copy with another health URL. */
    public Registration withHealthUrl(String url) {
        return new Registration(
                orchestratorId,
                address,
                capability,
                contactEmail,
                hostPublicIp,
                hostName,
                url,
                healthTimeout,
                monitoredServices,
                minServiceUptime,
                metadata);
    }
}
