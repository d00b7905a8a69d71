package io.livepeer.clearinghouse.openmeter;

import java.io.IOException;

/** Sends one batch of CloudEvents to OpenMeter's ingest endpoint ({@link OpenMeterClient#ingest(byte[])}). */
@FunctionalInterface
public interface EventIngest {

    /**
     * @param batchJson a JSON array of structured CloudEvents (UTF-8), sent as
     *                  {@code application/cloudevents-batch+json}
     * @return the HTTP answer (any status)
     * @throws IOException when no HTTP answer was obtained (connection refused, timeout, …)
     */
    OpenMeterResponse ingest(byte[] batchJson) throws IOException;
}
