package dev.kio.runtime.buf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.ChildJvm;
import dev.kio.runtime.ring.FdLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A kernel that refuses to register the pool's slab (ENOMEM: over {@code RLIMIT_MEMLOCK}
 * without CAP_IPC_LOCK) costs fixed I/O, not the pool: a child JVM under a 64 KiB memlock
 * limit, without CAP_IPC_LOCK, opens the default 1 MiB pool, which falls back to unregistered
 * buffers, says why, and moves data with plain READ / WRITE.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegistrationRefusedTest {
    private static final int CAP_IPC_LOCK = 14;

    @Test
    void memlockLimitTooLowForThePoolFallsBackToUnregisteredBuffersAndSaysWhy() throws Exception {
        Map<String, String> out = child();
        assertEquals("false", out.get("REGISTERED"), out::toString);
        assertEquals("ENOMEM", out.get("ERROR"), out::toString);
        assertEquals("write read", out.get("OPCODES"), out::toString);
        assertEquals("true", out.get("DATA"), out::toString);
        assertTrue(out.get("LOG").contains("Raise the memlock limit (ulimit -l, currently 64 KiB)"), out::toString);
    }

    /** Runs {@link RegistrationRefusedChild} under {@code ulimit -l 64}, dropping CAP_IPC_LOCK when this process has it. */
    private static Map<String, String> child() throws Exception {
        List<String> wrapper = new ArrayList<>();
        if (hasIpcLock()) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")),
                    "this process has CAP_IPC_LOCK, which lifts the memlock limit, and no setpriv to drop it");
            wrapper.addAll(List.of("/usr/bin/setpriv", "--bounding-set", "-ipc_lock", "--inh-caps", "-ipc_lock"));
        }
        return ChildJvm.run("ulimit -l 64", wrapper, RegistrationRefusedChild.class);
    }

    private static boolean hasIpcLock() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) >>> CAP_IPC_LOCK & 1) != 0;
            }
        }
        return false;
    }
}
