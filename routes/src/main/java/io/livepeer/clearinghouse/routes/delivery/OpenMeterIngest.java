package io.livepeer.clearinghouse.routes.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** Sends one batch body to OpenMeter's ingest endpoint. */
public interface OpenMeterIngest {

    /**
     * @param batchJson a JSON array of structured CloudEvents (UTF-8), sent as
     *                  {@code application/cloudevents-batch+json}
     * @return the HTTP answer
     * @throws IOException when no HTTP answer was obtained (connection refused, timeout, …)
     */
    Response post(byte[] batchJson) throws IOException;

    /**
     * An HTTP answer.
     *
     * @param status     HTTP status
     * @param retryAfter parsed {@code Retry-After}, if the server sent one
     * @param body       response body (problem JSON on errors), may be empty
     */
    record Response(int status, Optional<Duration> retryAfter, String body) {

        public boolean isSuccess() {
            return status >= 200 && status < 300;
        }

        /** The server refused the content itself: split the batch to find the bad event(s). */
        public boolean isContentRejected() {
            return status == 400 || status == 413 || status == 422;
        }
    }
}
