# Shared shell code for the scripts in this directory. Source it; do not run it.
# shellcheck shell=bash

# kio_die MESSAGE...: print "kio: MESSAGE" to stderr and exit 1.
kio_die() {
    printf 'kio: %s\n' "$@" >&2
    exit 1
}

# kio_info MESSAGE: print "kio: MESSAGE" to stderr.
kio_info() {
    printf 'kio: %s\n' "$*" >&2
}

# kio_root: print the repository root (the parent of this scripts/ directory).
kio_root() {
    local here
    here=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
    (cd -- "$here/.." && pwd -P)
}
