package io.livepeer.clearinghouse.bench;

import java.util.Arrays;

/** Latencies in the caller's unit (ms for the pipeline, µs for /authorize), thread-safe, with percentiles. */
final class LatencyRecorder {

    private long[] values = new long[1 << 16];
    private int size;

    synchronized void record(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    synchronized int count() {
        return size;
    }

    /** The p-th percentile (0..100) of the recorded values, skipping the first {@code skip} (warm-up). */
    synchronized long percentile(double p, int skip) {
        int from = Math.min(skip, size);
        long[] sorted = Arrays.copyOfRange(values, from, size);
        if (sorted.length == 0) {
            return -1;
        }
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
    }
}
