# The benchmark suite's peer servers, started by the runners (run-peers). Source it; do not run it.
# shellcheck shell=bash
#
#   peer_build                       builds every peer (the benchmarks jar, the C server, the Tokio
#                                    server when it can); quiet, idempotent, fails loudly
#   peer_names                       the peers available here, one per line (tokio only if it built;
#                                    if not, why is printed on stderr)
#   peer_cmd NAME MODE PORT THREADS  one shell-quoted command line starting peer NAME (kio,
#                                    netty-uring, netty-epoll, vthreads, c-uring, tokio) in MODE (echo,
#                                    http) on 127.0.0.1:PORT with THREADS I/O threads; run it with
#                                    eval, e.g.  eval "exec taskset -c 0 $(peer_cmd kio http 8080 1)"
#   peer_selfcheck [NAME...]         starts each peer (default: c-uring and tokio, which CI does not
#                                    cover) in both modes and checks one echo round trip and 16
#                                    pipelined HTTP requests against it, with bash's /dev/tcp
#
# Every peer prints "READY <port>" once it listens, serves until SIGTERM, then exits 0. The JVM peers
# run with $BENCH_JVM_OPTS (default below) plus the native-access flags each one needs.

peers_bench=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
peers_root=$(cd -- "$peers_bench/.." && pwd -P)
peers_jar=$peers_bench/target/kio-benchmarks.jar
peers_native=$peers_bench/target/native
peers_tokio_log=$peers_native/tokio-build.log
# shellcheck source=benchmarks/lib.sh
source "$peers_bench/lib.sh"

peers_fail() {
    printf 'peers: %s\n' "$*" >&2
    return 1
}

peer_build() {
    mkdir -p "$peers_native" || return 1
    local log=$peers_native/jar-build.log
    "$peers_root/scripts/mvn" -q -ntp -DskipTests -pl benchmarks -am package >"$log" 2>&1 ||
        { tail -n 40 "$log" >&2; peers_fail "building the benchmarks jar failed (log: $log)"; return 1; }

    command -v gcc >/dev/null 2>&1 || { peers_fail "gcc is needed for the C peer: apt-get install gcc liburing-dev"; return 1; }
    local liburing=/usr/lib/x86_64-linux-gnu/liburing.a
    [[ -f $liburing ]] || liburing=-luring
    gcc -O2 -Wall -Wextra -Werror -pthread -o "$peers_native/uring_server" "$peers_bench/native/uring_server.c" \
        "$liburing" || { peers_fail "building the C peer (benchmarks/native/uring_server.c) failed"; return 1; }

    # Tokio is optional: a failure is recorded for peer_names, not fatal.
    if peers_tokio_build >"$peers_tokio_log" 2>&1; then
        rm -f "$peers_native/tokio-unavailable"
    else
        { echo "the Tokio peer did not build: $(tail -n 1 "$peers_tokio_log") (log: $peers_tokio_log)"; } \
            >"$peers_native/tokio-unavailable"
        cat "$peers_native/tokio-unavailable" >&2
    fi
}

# Builds benchmarks/tokio offline against Debian's packaged crates (benchmarks/tokio/.cargo/config.toml).
peers_tokio_build() {
    command -v cargo >/dev/null 2>&1 || { echo "cargo is not installed"; return 1; }
    if [[ ! -d /usr/share/cargo/registry ]] || ! compgen -G '/usr/share/cargo/registry/tokio-[0-9]*' >/dev/null ||
        ! compgen -G '/usr/share/cargo/registry/tokio-macros-[0-9]*' >/dev/null; then
        if ((EUID == 0)) && command -v apt-get >/dev/null 2>&1; then
            echo "installing Debian's Tokio crates (librust-tokio-dev librust-tokio-macros-dev)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librust-tokio-dev \
                librust-tokio-macros-dev || { echo "apt-get install librust-tokio-dev librust-tokio-macros-dev failed"; return 1; }
        else
            echo "Debian's Tokio crates are missing: apt-get install librust-tokio-dev librust-tokio-macros-dev (as root)"
            return 1
        fi
    fi
    (cd "$peers_bench/tokio" && CARGO_TARGET_DIR=$peers_native/tokio cargo build --release --offline --quiet) ||
        { echo "cargo build --release --offline failed"; return 1; }
    cp "$peers_native/tokio/release/tokio_server" "$peers_native/tokio_server"
}

peer_names() {
    printf '%s\n' kio netty-uring netty-epoll vthreads c-uring
    if [[ -x $peers_native/tokio_server && ! -e $peers_native/tokio-unavailable ]]; then
        echo tokio
    elif [[ -e $peers_native/tokio-unavailable ]]; then
        cat "$peers_native/tokio-unavailable" >&2
    else
        echo "the Tokio peer is not built (run peer_build)" >&2
    fi
}

peer_cmd() {
    (($# == 4)) || { peers_fail "usage: peer_cmd NAME echo|http PORT THREADS"; return 1; }
    local name=$1 mode=$2 port=$3 threads=$4 java
    [[ $mode == echo || $mode == http ]] || { peers_fail "MODE must be echo or http, got '$mode'"; return 1; }
    [[ $port =~ ^[0-9]+$ && $threads =~ ^[1-9][0-9]*$ ]] ||
        { peers_fail "PORT and THREADS must be numbers, got '$port' and '$threads'"; return 1; }
    local -a cmd jvm
    read -ra jvm <<<"${BENCH_JVM_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g -XX:CICompilerCount=2 -XX:+AlwaysPreTouch}"
    case $name in
        kio | netty-uring | netty-epoll | vthreads)
            java=$(bench_java) || { peers_fail "no JDK 25 found (set KIO_JAVA_HOME)"; return 1; }
            cmd=("$java" "${jvm[@]}") ;;
    esac
    case $name in
        kio) cmd+=(--enable-native-access=ALL-UNNAMED -cp "$peers_jar" dev.kio.benchmarks.peers.KioPeer) ;;
        netty-uring | netty-epoll)
            cmd+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$peers_jar"
                dev.kio.benchmarks.peers.NettyPeer "${name#netty-}") ;;
        vthreads) cmd+=(-cp "$peers_jar" dev.kio.benchmarks.peers.VirtualThreadPeer) ;;
        c-uring) cmd=("$peers_native/uring_server") ;;
        tokio) cmd=("$peers_native/tokio_server") ;;
        *) peers_fail "unknown peer '$name' (kio, netty-uring, netty-epoll, vthreads, c-uring, tokio)"; return 1 ;;
    esac
    cmd+=("$mode" "$port" "$threads")
    printf '%q ' "${cmd[@]}"
    echo
}

# peers_start NAME MODE: starts the peer on a free port; sets peers_pid and peers_port.
peers_start() {
    local out
    out=$(mktemp) || return 1
    eval "exec $(peer_cmd "$1" "$2" 0 1)" >"$out" 2>&1 &
    peers_pid=$!
    local i
    for ((i = 0; i < 300; i++)); do
        peers_port=$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$out")
        [[ -n $peers_port ]] && { rm -f "$out"; return 0; }
        kill -0 "$peers_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$out" >&2
    rm -f "$out"
    kill "$peers_pid" 2>/dev/null || true
    peers_fail "$1 $2 did not print READY"
}

# peers_stop: SIGTERM to the started peer; fails unless it exits 0 within 5 s.
peers_stop() {
    kill -TERM "$peers_pid" || return 1
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$peers_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$peers_pid" 2>/dev/null; then
        kill -KILL "$peers_pid"
        peers_fail "peer $peers_pid did not exit within 5 s of SIGTERM"
        return 1
    fi
    local rc=0
    wait "$peers_pid" || rc=$?
    ((rc == 0)) || peers_fail "peer $peers_pid exited with $rc on SIGTERM"
}

peer_selfcheck() {
    local -a names=("$@")
    ((${#names[@]})) || names=(c-uring tokio)
    local name ok=0 reply fd
    local response=$'HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!'
    local request=$'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' requests="" responses="" message
    for ((i = 0; i < 16; i++)); do requests+=$request; responses+=$response; done
    for name in "${names[@]}"; do
        peers_start "$name" echo || { ok=1; continue; }
        message="kio peer selfcheck $name $RANDOM"
        exec {fd}<>"/dev/tcp/127.0.0.1/$peers_port"
        printf '%s' "$message" >&"$fd"
        IFS= read -r -N "${#message}" -t 5 -u "$fd" reply || true
        exec {fd}>&-
        if [[ $reply == "$message" ]]; then echo "$name echo: ok"; else peers_fail "$name echo: sent '$message', got '$reply'"; ok=1; fi
        peers_stop || ok=1

        peers_start "$name" http || { ok=1; continue; }
        exec {fd}<>"/dev/tcp/127.0.0.1/$peers_port"
        printf '%s' "$requests" >&"$fd"
        IFS= read -r -N "${#responses}" -t 5 -u "$fd" reply || true
        exec {fd}>&-
        if [[ $reply == "$responses" ]]; then
            echo "$name http: ok (16 pipelined requests in one write)"
        else
            peers_fail "$name http: 16 pipelined requests got ${#reply} of ${#responses} expected bytes: '${reply:0:200}'"
            ok=1
        fi
        peers_stop || ok=1
    done
    return "$ok"
}
