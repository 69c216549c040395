package dev.kio.runtime.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A test program run in a new JVM under a spoiled environment (a lower ulimit, a dropped
 * capability, a seccomp filter), so this JVM's limits and threads stay clean. The program
 * answers with {@code KEY value} lines.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code args} on this JVM's class path, after the shell command
     * {@code setup} (e.g. {@code ulimit -n 256}) when not null, through {@code wrapper} (e.g.
     * setpriv and its arguments) when not empty. Fails unless it exits 0 within 30 s.
     *
     * @return its {@code KEY value} lines, and its whole output under {@code LOG}
     */
    public static Map<String, String> run(String setup, List<String> wrapper, Class<?> main, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", (setup == null ? "" : setup + " && ")
                + "exec \"$@\"", "sh"));
        command.addAll(wrapper);
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        // Only the child's output is piped, and that pipe is closed here: FdLeakCheck counts it.
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
        lines.put("LOG", output);
        for (String line : output.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.substring(0, space).matches("[A-Z]+")) {
                lines.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return lines;
    }
}
