# Shared shell code for the benchmark scripts (run-nop, run-flows, run-peers). Source it; do not run it.
# shellcheck shell=bash

# bench_java: print the java of a JDK 25 or newer, chosen as scripts/mvn chooses it
# ($KIO_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64, another one under /usr/lib/jvm).
bench_java() {
    local candidate v
    for candidate in "${KIO_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*/; do
        candidate=${candidate%/}
        [[ -n $candidate && -x $candidate/bin/java ]] || continue
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$candidate/release" 2>/dev/null || true)
        if [[ -n $v ]] && ((v >= 25)); then
            printf '%s\n' "$candidate/bin/java"
            return 0
        fi
    done
    return 1
}

# bench_csv_score FILE NAME: the score of the JMH CSV row whose benchmark name ends in NAME
# (e.g. ".generated" or ".generated:gc.alloc.rate.norm"), with PARAM (the first parameter
# column) matching $3 when given.
bench_csv_score() {
    awk -F, -v want="$2" -v param="${3:-}" 'NR > 1 {
        name = $1; gsub(/"/, "", name); p = $8; gsub(/["\r]/, "", p)
        if (substr(name, length(name) - length(want) + 1) == want && (param == "" || p == param)) { print $5; exit }
    }' "$1"
}

# bench_build_load: build the load generator of run-peers (benchmarks/native/load.c) into
# benchmarks/target/native/kio-load; it needs only gcc and libc.
bench_build_load() {
    local bench
    bench=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
    command -v gcc >/dev/null 2>&1 || { echo "gcc is needed to build kio-load: apt-get install gcc" >&2; return 1; }
    mkdir -p "$bench/target/native"
    gcc -O2 -Wall -Wextra -Werror -o "$bench/target/native/kio-load" "$bench/native/load.c" -lm
}
