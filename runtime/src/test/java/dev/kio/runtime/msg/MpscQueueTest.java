package dev.kio.runtime.msg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class MpscQueueTest {

    static final class Item extends MpscQueue.Node {
        final int producer;
        final int seq;

        Item(int producer, int seq) {
            this.producer = producer;
            this.seq = seq;
        }
    }

    @Test
    void singleThreadKeepsFifoOrderAndReportsEmpty() {
        MpscQueue q = new MpscQueue();
        assertTrue(q.isEmpty());
        assertNull(q.poll());
        Item a = new Item(0, 0);
        Item b = new Item(0, 1);
        q.offer(a);
        q.offer(b);
        assertEquals(false, q.isEmpty());
        assertSame(a, q.poll());
        assertEquals(false, q.isEmpty());
        assertSame(b, q.poll());
        assertTrue(q.isEmpty());
        q.offer(a);
        assertSame(a, q.poll());
        assertTrue(q.isEmpty());
    }

    /**
     * The worker's parking protocol against several producers: a consumer that declares itself
     * parked, sees an empty queue and parks must be woken by whoever offers next. A queue that
     * reports empty with nodes pending strands the consumer and times this test out. The race it
     * guards (the consumer taking the last node while a producer is between its tail swap and
     * its link) is a few instructions wide: more producers than cores make it likelier, not sure.
     */
    @Test
    @Timeout(120)
    void parkedConsumerNeverMissesAnOfferAndEveryNodeArrivesInProducerOrder() throws Exception {
        int producers = 8;
        int perProducer = 100_000;
        MpscQueue q = new MpscQueue();
        AtomicInteger parked = new AtomicInteger();
        Thread consumer = Thread.currentThread();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perProducer; i++) {
                    q.offer(new Item(id, i));
                    if (parked.get() == 1 && parked.compareAndSet(1, 0)) {
                        LockSupport.unpark(consumer);
                    }
                }
            }));
        }
        int[] next = new int[producers];
        int received = 0;
        while (received < producers * perProducer) {
            MpscQueue.Node n = q.poll();
            if (n != null) {
                Item item = (Item) n;
                assertEquals(next[item.producer]++, item.seq, "order of producer " + item.producer);
                received++;
                continue;
            }
            parked.set(1);
            if (!q.isEmpty()) {
                parked.set(0);
                continue;
            }
            while (parked.get() == 1) {
                LockSupport.park(this);
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(q.isEmpty());
    }
}
