package dev.kio.runtime.msg;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An unbounded, intrusive, multi-producer single-consumer queue (Vyukov's design): the
 * elements are the nodes, so offering allocates nothing, and nothing is ever refused.
 *
 * <p>Any thread may {@link #offer}; only the owning worker may {@link #poll}. A node is in at
 * most one queue at a time and must not be offered again before it has been polled.
 */
public final class MpscQueue {
    private static final VarHandle TAIL;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(MpscQueue.class, "tail", Node.class);
            NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the queue links through; extend it to make a type queueable. */
    public abstract static class Node {
        @SuppressWarnings("unused") // accessed through NEXT
        private volatile Node next;
    }

    private static final class Stub extends Node {
    }

    private final Node stub = new Stub();
    private Node head = stub;
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile Node tail = stub;

    /** Appends a node; wait-free, from any thread. */
    public void offer(Node node) {
        NEXT.setRelease(node, (Node) null);
        Node prev = (Node) TAIL.getAndSet(this, node);
        NEXT.setRelease(prev, node);
    }

    /**
     * Removes the oldest node, or returns null when the queue is empty or a producer is halfway
     * through an offer (its node appears on a later poll; {@link #isEmpty()} is false meanwhile).
     */
    public Node poll() {
        Node h = head;
        Node next = (Node) NEXT.getAcquire(h);
        if (h == stub) {
            if (next == null) {
                return null;
            }
            head = next;
            h = next;
            next = (Node) NEXT.getAcquire(h);
        }
        if (next != null) {
            head = next;
            return h;
        }
        if (h != (Node) TAIL.getVolatile(this)) {
            return null;
        }
        offer(stub);
        next = (Node) NEXT.getAcquire(h);
        if (next != null) {
            head = next;
            return h;
        }
        return null;
    }

    /**
     * True when nothing has been offered that is not yet polled. Only the consumer may ask.
     *
     * <p>Checking the tail alone is not enough: when the consumer takes the last node while a
     * producer is offering, the stub is re-linked behind the producer's node, so nodes can be
     * pending while the tail is the stub. They are pending exactly when head is not the stub.
     */
    public boolean isEmpty() {
        return head == stub && (Node) NEXT.getAcquire(stub) == null && (Node) TAIL.getVolatile(this) == stub;
    }
}
