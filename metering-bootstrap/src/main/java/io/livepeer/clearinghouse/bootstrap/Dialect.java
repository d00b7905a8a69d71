package io.livepeer.clearinghouse.bootstrap;

import java.util.Locale;

/**
 * The two OpenMeter API dialects (DESIGN.md §6): self-hosted v1 ({@code /api/v1/...}, camelCase, meters by
 * {@code slug}, upper-case aggregations) and Konnect / OpenMeter v3 ({@code /openmeter/...}, snake_case, {@code key},
 * lower-case aggregations, references by ULID).
 */
public enum Dialect {
    V1, V3;

    /**
     * Where the API lives and which dialect it speaks.
     *
     * @param apiRoot the URL the dialect's paths are appended to: {@code http://openmeter:8888/api/v1} or
     *                {@code https://us.api.konghq.com/v3/openmeter}
     * @param dialect the dialect
     */
    public record Endpoint(String apiRoot, Dialect dialect) {
    }

    /**
     * Reads an OpenMeter URL as operators write it for {@code OPENMETER_URL}: a URL containing {@code /v3} (Konnect
     * {@code https://us.api.konghq.com/v3/openmeter}, self-hosted {@code http://openmeter:8888/api/v3/openmeter}, with
     * or without {@code /openmeter} or a trailing {@code /events}) is v3; anything else is a self-hosted v1 base URL
     * ({@code http://openmeter:8888}, optionally ending in {@code /api/v1}).
     *
     * @param url    the URL
     * @param forced {@code v1}, {@code v3}, or null/{@code auto} to decide from the URL
     * @throws IllegalArgumentException when the URL is not http(s) or the dialect is unknown
     */
    public static Endpoint resolve(String url, String forced) {
        String u = url == null ? "" : url.trim().replaceAll("/+$", "");
        if (!u.startsWith("http://") && !u.startsWith("https://")) {
            throw new IllegalArgumentException("OpenMeter URL must start with http:// or https://, got '" + url + "'");
        }
        if (u.endsWith("/events")) {
            u = u.substring(0, u.length() - "/events".length());
        }
        String mode = forced == null ? "auto" : forced.trim().toLowerCase(Locale.ROOT);
        Dialect dialect = switch (mode) {
            case "auto" -> u.contains("/v3") ? V3 : V1;
            case "v1" -> V1;
            case "v3" -> V3;
            default -> throw new IllegalArgumentException("dialect must be auto, v1 or v3, got '" + forced + "'");
        };
        if (dialect == V3) {
            return new Endpoint(u.endsWith("/openmeter") ? u : u + "/openmeter", V3);
        }
        return new Endpoint(u.endsWith("/api/v1") ? u : u + "/api/v1", V1);
    }
}
