package io.livepeer.clearinghouse.routes.delivery;

/**
 * Where usage CloudEvents are POSTed, derived from {@code OPENMETER_URL} (DESIGN.md §6):
 * <ul>
 *   <li>ends in {@code /v3/openmeter} (Konnect {@code https://us.api.konghq.com/v3/openmeter} or self-hosted
 *       {@code …/api/v3/openmeter}) → {@code …/events}, the v3 dialect (202 on success);</li>
 *   <li>already ends in {@code /events} → used as is;</li>
 *   <li>anything else is a self-hosted base URL → {@code …/api/v1/events}, the v1 dialect (204 on success).</li>
 * </ul>
 *
 * @param ingestUrl the events URL
 * @param dialect   which API dialect it speaks
 */
public record OpenMeterEndpoint(String ingestUrl, Dialect dialect) {

    /** OpenMeter API dialect. */
    public enum Dialect { V1, V3 }

    /**
     * @param baseUrl the configured {@code OPENMETER_URL}
     * @return the ingest endpoint
     */
    public static OpenMeterEndpoint of(String baseUrl) {
        String url = baseUrl.trim();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        boolean v3 = url.contains("/v3/openmeter");
        if (url.endsWith("/events")) {
            return new OpenMeterEndpoint(url, v3 ? Dialect.V3 : Dialect.V1);
        }
        if (url.endsWith("/v3/openmeter")) {
            return new OpenMeterEndpoint(url + "/events", Dialect.V3);
        }
        return new OpenMeterEndpoint(url + "/api/v1/events", Dialect.V1);
    }
}
