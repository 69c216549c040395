package dev.kio.runtime.buf;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.time.Duration;

import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.RingHarness;
import dev.kio.runtime.ring.Opcode;

/**
 * The child JVM of {@link RegistrationRefusedTest}, started under a memlock limit too low for
 * the default pool: opens a ring and a default pool, moves 8 bytes through a pipe with two of
 * its buffers, and prints {@code KEY value} lines: {@code REGISTERED}, {@code ERROR},
 * {@code OPCODES} (of the write and the read) and {@code DATA}.
 */
public final class RegistrationRefusedChild {
    private RegistrationRefusedChild() {
    }

    public static void main(String[] args) throws Exception {
        try (RingHarness h = RingHarness.open()) {
            BufferPool pool = BufferPool.open(h.ring, BufferPool.Config.defaults());
            System.out.println("REGISTERED " + pool.registered());
            System.out.println("ERROR " + pool.registrationError());
            int[] pipe = h.pipe();
            Buffer out = pool.acquire();
            Buffer in = pool.acquire();
            out.segment().set(JAVA_LONG, 0, 0x6b696f6b696f6b69L);
            Op write = h.ops.write(pipe[1], out, 0, 8, Ops.CURRENT_POSITION);
            Op read = h.ops.read(pipe[0], in, 0, 8, Ops.CURRENT_POSITION);
            System.out.println("OPCODES " + Opcode.name(write.opcode()) + " " + Opcode.name(read.opcode()));
            int[] results = {-1, -1};
            h.table.submit(write, op -> results[0] = op.result());
            h.table.submit(read, op -> results[1] = op.result());
            h.pumpUntil(() -> results[0] >= 0 && results[1] >= 0, Duration.ofSeconds(5));
            System.out.println("DATA " + (results[1] == 8 && in.segment().get(JAVA_LONG, 0) == 0x6b696f6b696f6b69L));
            out.release();
            in.release();
            pool.close();
        }
    }
}
