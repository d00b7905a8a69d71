package io.livepeer.clearinghouse.openmeter;

import java.util.Locale;

/**
 * The two OpenMeter API dialects (DESIGN.md §6; specs {@code openmeter-openapi.yaml} and
 * {@code openmeter-openapi-v3.yaml}): self-hosted v1 ({@code …/api/v1}, camelCase, meters by {@code slug}, upper-case
 * aggregations, ingest answers 204) and Konnect / OpenMeter v3 ({@code …/openmeter}, snake_case, {@code key},
 * lower-case aggregations, references by ULID, ingest answers 202). Both accept any 2xx as success.
 */
public enum Dialect {
    V1,
    V3;

    /**
     * Reads a dialect choice as operators write it.
     *
     * @param choice {@code auto} (or null/blank), {@code v1} or {@code v3}, any case
     * @return the forced dialect, or null for {@code auto} (decide from the URL)
     * @throws IllegalArgumentException for anything else
     */
    public static Dialect parse(String choice) {
        String mode =
                choice == null || choice.isBlank() ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "auto" -> null;
            case "v1" -> V1;
            case "v3" -> V3;
            default -> throw new IllegalArgumentException("dialect must be auto, v1 or v3, got '" + choice + "'");
        };
    }

    /** {@code v1} or {@code v3}, as in messages and the documentation. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
