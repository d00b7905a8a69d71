package io.livepeer.clearinghouse.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Heap of this JVM: the peak of used heap sampled every 20 ms, and the peak of the heap still in use right after a
 * garbage collection (the live set, what the pipeline really needs).
 */
final class HeapMeter implements AutoCloseable {

    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final Thread sampler;

    HeapMeter() {
        java.util.Set<String> heapPools = new java.util.HashSet<>();
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(
                        (notification, handback) -> {
                            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                                    notification.getType())) {
                                var info = GarbageCollectionNotificationInfo.from(
                                        (CompositeData) notification.getUserData());
                                long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                        .filter(e -> heapPools.contains(e.getKey()))
                                        .mapToLong(e -> e.getValue().getUsed())
                                        .sum();
                                peakAfterGc.accumulateAndGet(used, Math::max);
                            }
                        },
                        null,
                        null);
            }
        }
        sampler = new Thread(
                () -> {
                    var memory = ManagementFactory.getMemoryMXBean();
                    while (!Thread.currentThread().isInterrupted()) {
                        peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Peak used heap, MiB. */
    long peakUsedMiB() {
        return peakUsed.get() >> 20;
    }

    /** Peak heap still in use right after a collection, MiB. */
    long peakLiveMiB() {
        return peakAfterGc.get() >> 20;
    }

    /** Maximum heap (-Xmx), MiB. */
    static long maxMiB() {
        return Runtime.getRuntime().maxMemory() >> 20;
    }

    @Override
    public void close() {
        sampler.interrupt();
    }
}
