package io.livepeer.clearinghouse.routes.orchestrators.credit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code /power} state that gates session credit, cached per orchestrator for {@code powerCache} (5 s) as the
 * backend does; an error counts as not awake (and is cached too, so a dead host is not asked on every event).
 */
public final class PowerStates {

    private record Cached(PowerClient.Reading reading, Instant at) {}

    private final PowerClient client;
    private final Clock clock;
    private final Duration ttl;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    public PowerStates(PowerClient client, Clock clock, Duration ttl) {
        this.client = client;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** The orchestrator's power reading from {@code host}, at most {@code ttl} old. */
    public PowerClient.Reading read(String orchestratorId, String host) {
        Instant now = clock.instant();
        String key = orchestratorId + "@" + host;
        Cached c = cache.get(key);
        if (c != null && !now.isAfter(c.at().plus(ttl)) && !now.isBefore(c.at())) {
            return c.reading();
        }
        PowerClient.Reading r = client.state(host);
        cache.put(key, new Cached(r, now));
        return r;
    }
}
