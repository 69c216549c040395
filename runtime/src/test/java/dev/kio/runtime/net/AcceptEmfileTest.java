package dev.kio.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
        Map<String, String> out = child();
        long arms = Long.parseLong(out.get("ARMS"));
        // 10 + 20 + 40 + 80 + 160 ms: about five re-arms fit in 300 ms.
        assertTrue(arms >= 1 && arms <= 8, () -> "accept re-armed " + arms + " times in 300 ms: " + out);
        assertEquals("1", out.get("ACCEPTED"), out::toString);
        assertEquals("s", out.get("SERVED"), out::toString);
        String[] fds = out.get("FDS").split(" ");
        assertEquals(fds[0], fds[1], () -> "descriptors before and after: " + out);
    }

    private static Map<String, String> child() throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -n 256 && exec \"$@\"", "sh"));
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classDir(AcceptEmfileChild.class) + File.pathSeparator + classDir(TcpServer.class)
                        + File.pathSeparator + classDir(dev.kio.Task.class),
                AcceptEmfileChild.class.getName()));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the child JVM did not finish: " + output);
        }
        assertEquals(0, p.exitValue(), () -> "the child JVM failed: " + output);
        Map<String, String> lines = new HashMap<>();
        for (String line : output.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.substring(0, space).matches("[A-Z]+")) {
                lines.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return lines;
    }

    private static String classDir(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
