/**
 * Files on io_uring with per-file worker affinity: {@link dev.kio.runtime.fs.FileManager} opens,
 * stats, renames and removes paths, each on the worker its canonical path hashes to, and
 * {@link dev.kio.runtime.fs.KioFile} reads, writes, syncs and closes an open file on that same
 * worker. The ops underneath are {@link dev.kio.runtime.op.Ops}' file methods.
 */
package dev.kio.runtime.fs;
