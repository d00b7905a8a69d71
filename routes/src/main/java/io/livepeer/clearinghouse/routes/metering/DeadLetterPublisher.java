package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.ledger.DeadLetterEntry;
import java.util.List;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a batch's dead letters to {@code clearinghouse.kafka.dead-letter-topic} after the batch's transaction
 * committed: raw bytes as the value, the original key, and headers {@code clearinghouse_reason} and
 * {@code clearinghouse_source} (topic/partition/offset). The {@code dead_letters} table is the record; the topic is a
 * convenience, so a failed publish is logged and never fails the batch.
 */
final class DeadLetterPublisher implements Consumer<List<DeadLetterEntry>> {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);
    private static final String URI = "kafka:{{clearinghouse.kafka.dead-letter-topic}}"
            + "?valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer";

    private final CamelContext context;
    private volatile ProducerTemplate template;

    DeadLetterPublisher(CamelContext context) {
        this.context = context;
    }

    @Override
    public void accept(List<DeadLetterEntry> deadLetters) {
        try {
            if (template == null) {
                template = context.createProducerTemplate();
            }
            for (DeadLetterEntry d : deadLetters) {
                org.apache.camel.Exchange sent = template.send(URI, exchange -> {
                    exchange.getMessage().setBody(d.raw());
                    if (d.key() != null) {
                        exchange.getMessage().setHeader(KafkaConstants.KEY, d.key());
                    }
                    exchange.getMessage().setHeader("clearinghouse_reason", d.reason());
                    exchange.getMessage()
                            .setHeader("clearinghouse_source", d.source().toString());
                });
                if (sent.getException() != null) {
                    throw new IllegalStateException(sent.getException().getMessage(), sent.getException());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Dead letters not published to the dead-letter topic: {}", e.getMessage());
        }
    }
}
