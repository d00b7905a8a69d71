package io.livepeer.clearinghouse.routes.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.livepeer.clearinghouse.testing.KafkaTestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.camel.Processor;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metering consumer stores a batch as soon as its records are polled ({@link StoreAtOnceKafkaClientFactory}, with
 * the shipped {@code clearinghouse.kafka.batching-interval-ms} 0), against a real broker and camel-kafka's batching
 * consumer: not when the next poll returns or times out. The poll timeout is set to a minute so that waiting for it
 * could not pass unnoticed; the control route shows that camel-kafka alone does wait for it.
 */
class StoreAtOnceConsumerTest extends CamelTestSupport {

    private static final String PLAIN_FACTORY = "#class:" + DefaultKafkaClientFactory.class.getName();

    static KafkaTestBroker kafka;

    // set while the superclass constructor configures the context (before field initialisers run): no initialiser
    String topic;
    String controlTopic;
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    final List<Integer> controlBatches = new CopyOnWriteArrayList<>();
    final CountDownLatch firstBatchStarted = new CountDownLatch(1);
    volatile CountDownLatch holdFirstBatch = new CountDownLatch(0);

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties props = new Properties();
        try (var in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        topic = "store-at-once-" + UUID.randomUUID();
        controlTopic = topic + "-control";
        kafka.createTopic(topic, 1);
        kafka.createTopic(controlTopic, 1);
        props.put("clearinghouse.kafka.topic", topic);
        props.put("clearinghouse.kafka.group-id", "store-at-once-" + UUID.randomUUID());
        props.put("clearinghouse.kafka.poll-timeout-ms", "60000");
        return props;
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        KafkaComponent component = context.getComponent("kafka", KafkaComponent.class);
        component.getConfiguration().setBrokers(kafka.bootstrapServers());
        // camel-kafka wakes a consumer blocked in its (one-minute) poll only after its shutdown timeout (30 s)
        component.getConfiguration().setShutdownTimeout(500);
        Processor record = exchange -> {
            firstBatchStarted.countDown();
            holdFirstBatch.await(30, TimeUnit.SECONDS);
            batches.add(exchange.getMessage().getBody(List.class).size());
        };
        RouteBuilder control = new RouteBuilder() {
            @Override
            public void configure() {
                // the same endpoint with camel-kafka's own client factory, on its own topic and group
                from(SignerEventsRoute.ENDPOINT_URI
                                .replace("#class:" + StoreAtOnceKafkaClientFactory.class.getName(), PLAIN_FACTORY)
                                .replace("{{clearinghouse.kafka.topic}}", controlTopic)
                                .replace("{{clearinghouse.kafka.group-id}}", "control-" + UUID.randomUUID())
                                .replace("{{clearinghouse.kafka.poll-timeout-ms}}", "3000"))
                        .routeId("control")
                        .process(exchange -> controlBatches.add(
                                exchange.getMessage().getBody(List.class).size()));
            }
        };
        return new RoutesBuilder[] {new SignerEventsRoute(record, true), control};
    }

    @Test
    void a_lone_record_is_stored_at_once_not_when_the_next_poll_times_out() {
        assertThat(SignerEventsRoute.ENDPOINT_URI)
                .contains("kafkaClientFactory=#class:" + StoreAtOnceKafkaClientFactory.class.getName());
        kafka.send(topic, null, "one");
        await().atMost(Duration.ofSeconds(20)).until(() -> batches.equals(List.of(1)));
        kafka.send(topic, null, "two");
        await().atMost(Duration.ofSeconds(20)).until(() -> batches.equals(List.of(1, 1)));

        // control: camel-kafka's own consumer adds a poll's records to the batch after deciding whether the batch is
        // due, so a lone record waits for the next poll, here its timeout of 3 s (once the consumer runs)
        kafka.send(controlTopic, null, "warm-up");
        await().atMost(Duration.ofSeconds(30)).until(() -> controlBatches.equals(List.of(1)));
        kafka.send(controlTopic, null, "one");
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(2)).until(() -> controlBatches.size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> controlBatches.equals(List.of(1, 1)));
    }

    @Test
    void records_that_arrive_while_a_batch_is_stored_are_stored_together_next() {
        holdFirstBatch = new CountDownLatch(1);
        kafka.send(topic, null, "first");
        await().atMost(Duration.ofSeconds(20)).until(() -> firstBatchStarted.getCount() == 0);
        kafka.send(topic, null, IntStream.range(0, 200).mapToObj(i -> "r" + i).toArray(String[]::new));
        holdFirstBatch.countDown();

        await().atMost(Duration.ofSeconds(20))
                .until(() -> batches.stream().mapToInt(Integer::intValue).sum() == 201);
        // a handful of batches (each real poll returns what was fetched), never one transaction per record
        assertThat(batches).hasSizeLessThanOrEqualTo(10);
    }
}
