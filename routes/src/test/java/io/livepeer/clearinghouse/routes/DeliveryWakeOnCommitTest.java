package io.livepeer.clearinghouse.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.livepeer.clearinghouse.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Delivery wakes on commit (issue 10): with the delivery timer at one hour, events are still delivered within the
 * batching interval of their metering batch, because the batch's commit signals this instance's delivery.
 */
class DeliveryWakeOnCommitTest extends PipelineTestSupport {

    @Test
    void events_are_delivered_as_soon_as_their_batch_commits_even_when_the_delivery_timer_is_an_hour_away()
            throws Exception {
        Stage stage = stage(TestDatabases.h2(), 1);
        FakeOpenMeter openMeter = openMeter();
        start(stage, openMeter.v1BaseUrl(), Map.of("clearinghouse.openmeter.poll-interval", "1h"));

        // the timer's only tick before the hour is 500 ms after start: the first event may still meet it, the
        // second is sent after the first was delivered, so only the commit signal can deliver it in time
        for (String id : validIds(2)) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000000000000000", "live"));
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> openMeter.acceptedIdCounts().containsKey(id));
        }
        List<String> more = validIds(30);
        for (String id : more) {
            kafka.send(stage.topic(), id, signedTicket(id, "demo-client:demo-user", "1000000000000000", "live"));
        }
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> openMeter.acceptedIdCounts().keySet().containsAll(more));
        assertThat(openMeter.acceptedIdCounts())
                .hasSize(32)
                .allSatisfy((id, count) ->
                        assertThat(count).as("deliveries of %s", id).isEqualTo(1));
    }
}
