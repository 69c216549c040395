package dev.kio.runtime.ring;
import org.junit.jupiter.api.Test;
class TmpProbeTest {
    @Test
    void probe() {
        try (Ring r = Ring.open(new RingOptions(64, 16, RingOptions.DEFAULT_FLAGS, true, -1))) {
            System.out.println("OPENED cq=" + r.cqEntries());
        } catch (RingSetupException e) { System.out.println("MSG: " + e.getMessage()); }
    }
}
