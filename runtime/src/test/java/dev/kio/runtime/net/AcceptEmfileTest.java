package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.ring.ChildJvm;
import dev.kio.runtime.ring.FdLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Accept when the process is out of descriptors, in a child JVM under {@code ulimit -n 256}
 * ({@link AcceptEmfileChild}) so this JVM's limit stays untouched: the listener backs off with a
 * doubling timer instead of re-arming at once (a busy loop would re-arm thousands of times in
 * 300 ms), accepts nothing meanwhile, serves the waiting client once descriptors are freed, and
 * the child's descriptor count returns to its baseline.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AcceptEmfileTest {

    @Test
    void acceptOutOfDescriptorsBacksOffThenServesOnceDescriptorsAreFree() throws Exception {
        Map<String, String> out = ChildJvm.run("ulimit -n 256", List.of(), AcceptEmfileChild.class);
        long arms = Long.parseLong(out.get("ARMS"));
        // 10 + 20 + 40 + 80 + 160 ms: about five re-arms fit in 300 ms.
        assertTrue(arms >= 1 && arms <= 8, () -> "accept re-armed " + arms + " times in 300 ms: " + out);
        assertEquals("1", out.get("ACCEPTED"), out::toString);
        assertEquals("s", out.get("SERVED"), out::toString);
        String[] fds = out.get("FDS").split(" ");
        assertEquals(fds[0], fds[1], () -> "descriptors before and after: " + out);
    }
}
