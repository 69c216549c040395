package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The worker entered from main: the task runs on worker 0, then worker 1, and its result reaches main. */
class SwitchToWorkerDemoTest {

    @Test
    void mainEntersAWorkerWithoutEntryCallbackHopsToAnotherAndGetsTheResult() throws Exception {
        SwitchToWorkerDemo.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        List<String> before = OpenFds.list();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        SwitchToWorkerDemo.Tour tour = SwitchToWorkerDemo.run(new PrintStream(text, true, StandardCharsets.UTF_8));
        String output = text.toString(StandardCharsets.UTF_8);

        assertEquals(Thread.currentThread().getName(), tour.mainThread());
        assertEquals("kio-worker-0", tour.firstThread(), output);
        assertEquals("kio-worker-1", tour.secondThread(), output);
        assertEquals("\"hello from kio-worker-0\", \"hello from kio-worker-1\"", tour.echoed());
        assertTrue(output.contains("switched to worker 1"), output);
        assertEquals(before, OpenFds.list(), "the pipe and the pool's rings are closed");
    }
}
