package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies new dead letters to {@code clearinghouse.kafka.dead-letter-topic}: raw bytes as the value, the original key,
 * and headers {@code clearinghouse_reason} and {@code clearinghouse_source} (topic/partition/offset).
 *
 * <p>The {@code dead_letters} table is the record; the topic is a convenience, so publishing never blocks or fails
 * metering. {@link #accept} only queues (at most {@value #QUEUE} entries; beyond that, and when the broker refuses,
 * an entry is dropped and logged), and one daemon thread sends, each send bounded ({@code maxBlockMs} 2 s,
 * {@code deliveryTimeoutMs} 10 s) instead of the Kafka producer's 60 s default block. The metering processor hands
 * over each dead letter once, when it is first stored: a batch read again does not publish its dead letters again.
 * A crash between the database commit and the send loses that copy on the topic, never the dead letter.
 */
final class DeadLetterPublisher implements Consumer<List<DeadLetterEntry>>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);
    static final int QUEUE = 10_000;
    static final String URI = "kafka:{{clearinghouse.kafka.dead-letter-topic}}"
            + "?valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer"
            + "&maxBlockMs=2000&requestTimeoutMs=5000&deliveryTimeoutMs=10000&retries=3";

    private final CamelContext context;
    private final String uri;
    private final BlockingQueue<DeadLetterEntry> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final Thread sender;
    private volatile boolean closed;
    private ProducerTemplate template;

    DeadLetterPublisher(CamelContext context) {
        this(context, URI);
    }

    /** @param uri the producer endpoint (tests point it at a broker that does not answer) */
    DeadLetterPublisher(CamelContext context, String uri) {
        this.context = context;
        this.uri = uri;
        this.sender = new Thread(this::sendLoop, "dead-letter-publisher");
        sender.setDaemon(true);
        sender.start();
    }

    /** Queues the entries for the topic; returns at once. */
    @Override
    public void accept(List<DeadLetterEntry> deadLetters) {
        for (DeadLetterEntry d : deadLetters) {
            if (closed || !queue.offer(d)) {
                dropped.incrementAndGet();
                LOG.warn(
                        "Dead letter {} not copied to the dead-letter topic: queue full (it is in the database)",
                        d.source());
            }
        }
    }

    /** Dead letters copied to the topic so far. */
    long sentCount() {
        return sent.get();
    }

    /** Dead letters not copied to the topic (queue full, broker refused or unreachable). */
    long droppedCount() {
        return dropped.get();
    }

    private void sendLoop() {
        while (!closed) {
            DeadLetterEntry d;
            try {
                d = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (d != null) {
                send(d);
            }
        }
    }

    private void send(DeadLetterEntry d) {
        try {
            if (template == null) {
                template = context.createProducerTemplate();
            }
            Exchange result = template.send(uri, exchange -> {
                exchange.getMessage().setBody(d.raw());
                if (d.key() != null) {
                    exchange.getMessage().setHeader(KafkaConstants.KEY, d.key());
                }
                exchange.getMessage().setHeader("clearinghouse_reason", d.reason());
                exchange.getMessage()
                        .setHeader("clearinghouse_source", d.source().toString());
            });
            if (result.getException() != null) {
                throw result.getException();
            }
            sent.incrementAndGet();
        } catch (Exception e) {
            dropped.incrementAndGet();
            LOG.warn(
                    "Dead letter {} not copied to the dead-letter topic (it is in the database): {}",
                    d.source(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
