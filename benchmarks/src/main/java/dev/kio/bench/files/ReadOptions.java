package dev.kio.bench.files;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What one random-read run does, shared by every Java peer of the file workload:
 * {@code --file PATH --qd N [--seconds S] [--warmup S] [--direct] [--json OUT]
 * [--peer NAME] [--workload NAME] [--round N]}.
 *
 * @param file     a file made by {@link BenchFile#create}, whose content the readers check
 * @param qd       reads kept in flight (kio) or threads each doing one blocking read at a time
 * @param seconds  the measured window
 * @param warmup   reads before the window, not counted (JIT, page tables, the device's queue)
 * @param direct   open with O_DIRECT: aligned buffers, the page cache bypassed
 * @param json     where to write the result (see {@link ReadResult#toJson}); null prints it only
 * @param peer     the peer's name in the result, e.g. {@code kio}
 * @param workload the workload's name in the result, e.g. {@code file-randread-4k-qd32-cache}
 * @param round    which round of the run this is
 */
public record ReadOptions(Path file, int qd, double seconds, double warmup, boolean direct, Path json, String peer,
        String workload, int round) {
    /** Every read is one 4 KiB block at a 4 KiB-aligned offset: O_DIRECT's alignment on any device here. */
    public static final int BLOCK = 4096;

    public ReadOptions {
        if (qd < 1 || qd > 4096) {
            throw new IllegalArgumentException("--qd must be 1..4096, got " + qd);
        }
        if (!(seconds > 0) || !(warmup >= 0)) {
            throw new IllegalArgumentException("--seconds must be > 0 and --warmup >= 0, got " + seconds + " and " + warmup);
        }
    }

    /** The default workload name, as benchmarks/run-files names it. */
    static String workloadName(int qd, boolean direct) {
        return "file-randread-4k-qd" + qd + (direct ? "-direct" : "-cache");
    }

    /** Parses the command line of {@code main}; throws {@link IllegalArgumentException} with the usage on bad input. */
    static ReadOptions parse(String main, String defaultPeer, String[] args) {
        Path file = null;
        Path json = null;
        int qd = 32;
        int round = 1;
        double seconds = 5;
        double warmup = 2;
        boolean direct = false;
        String peer = defaultPeer;
        String workload = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--direct" -> direct = true;
                    case "--file" -> file = Path.of(args[++i]);
                    case "--json" -> json = Path.of(args[++i]);
                    case "--qd" -> qd = Integer.parseInt(args[++i]);
                    case "--round" -> round = Integer.parseInt(args[++i]);
                    case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                    case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                    case "--peer" -> peer = args[++i];
                    case "--workload" -> workload = args[++i];
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("--file is required");
            }
            return new ReadOptions(file, qd, seconds, warmup, direct, json, peer,
                    workload != null ? workload : workloadName(qd, direct), round);
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            String why = e instanceof ArrayIndexOutOfBoundsException ? "an option is missing its value" : e.getMessage();
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s%nusage: %s --file PATH [--qd N] [--seconds S]"
                    + " [--warmup S] [--direct] [--json OUT] [--peer NAME] [--workload NAME] [--round N]", main, why, main), e);
        }
    }
}
