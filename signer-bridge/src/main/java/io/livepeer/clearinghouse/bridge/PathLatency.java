package io.livepeer.clearinghouse.bridge;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free latency histogram of the reservations of one decision path ({@link SpendControl#pathLatency}): log-linear
 * buckets (16 per power of two, so a percentile is within about 4 % of the true value) from 1 µs to about 70 minutes.
 * {@link #snapshot()} copies the counts, so a benchmark can take the difference over one run. Thread-safe.
 */
public final class PathLatency {

    private static final int SUB = 16; // buckets per power of two
    private static final int POWERS = 32; // up to 2^32 µs
    private final AtomicLongArray counts = new AtomicLongArray(SUB * POWERS);

    /** Records one call of {@code nanos} nanoseconds. */
    public void record(long nanos) {
        counts.incrementAndGet(bucket(Math.max(0, nanos / 1000)));
    }

    private static int bucket(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int power = 63 - Long.numberOfLeadingZeros(micros); // >= 4
        int sub = (int) ((micros >>> (power - 4)) - SUB); // 0..15
        int index = (power - 3) * SUB + sub;
        return Math.min(index, SUB * POWERS - 1);
    }

    /** The upper bound (µs) of a bucket. */
    private static long upper(int index) {
        if (index < SUB) {
            return index;
        }
        int power = index / SUB + 3;
        int sub = index % SUB;
        return ((long) (SUB + sub + 1) << (power - 4)) - 1;
    }

    /** The counts as of now. */
    public Snapshot snapshot() {
        long[] copy = new long[counts.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = counts.get(i);
        }
        return new Snapshot(copy);
    }

    /** Bucket counts at one time; {@link #minus} gives the calls between two snapshots. */
    public static final class Snapshot {
        private final long[] counts;

        Snapshot(long[] counts) {
            this.counts = counts;
        }

        /** The calls recorded after {@code earlier}. */
        public Snapshot minus(Snapshot earlier) {
            long[] d = new long[counts.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = counts[i] - earlier.counts[i];
            }
            return new Snapshot(d);
        }

        /** Calls recorded. */
        public long count() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }

        /**
         * The p-th percentile (0 &lt; p ≤ 100) in microseconds, as the upper bound of its bucket; -1 when empty.
         */
        public long percentileMicros(double p) {
            long total = count();
            if (total == 0) {
                return -1;
            }
            long rank = (long) Math.ceil(p / 100.0 * total);
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= Math.max(1, rank)) {
                    return upper(i);
                }
            }
            return upper(counts.length - 1);
        }
    }
}
