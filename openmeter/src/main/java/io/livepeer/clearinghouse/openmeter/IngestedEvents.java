package io.livepeer.clearinghouse.openmeter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Events OpenMeter stored for one subject over a period, as its events listing returns them (v1
 * {@code GET /api/v1/events}, spec {@code listEvents}; v3 / Konnect {@code GET …/openmeter/events}, spec
 * {@code list-metering-events}): the original CloudEvents, duplicates included (OpenMeter stores an id again when
 * it does not deduplicate). Bounded: when the listing holds more than was read, {@link #truncated()} says so.
 *
 * @param events    the CloudEvents ({@code id}, {@code subject}, {@code time}, {@code data}, …) of the subject whose
 *                  time lies in the period
 * @param truncated whether OpenMeter may hold more events of the period than listed (v1: a full page of 100 in a
 *                  span that could not be split further or listed within the request budget; v3: the page limit
 *                  was reached with a next page left)
 * @param pages     requests made
 */
public record IngestedEvents(List<JsonNode> events, boolean truncated, int pages) {

    public IngestedEvents {
        events = List.copyOf(events);
    }
}
