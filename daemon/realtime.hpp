// [node] realtime_priority and lock_memory (SPEC "Sections added by the open
// issues"): the daemon's scheduling class and memory locking. Applied at
// start and again when a reload changes them. A missing capability is
// logged with what to grant and the daemon runs on without it.
#pragma once
#include "config/config.hpp"

namespace tandem::daemon {

// `before` is the running setting (nullptr at start: nothing applied yet).
void apply_realtime(const config::NodeSection& want, const config::NodeSection* before);

// The calling thread back to SCHED_OTHER: the engine's reload thread and
// the checker child (before exec) must not run at the engine's real-time
// priority, or a 36,000-line parse would take turns with the heartbeats.
// Async-signal-safe (one system call).
void run_at_normal_priority();

// Large blocks (a status reply, a checker snapshot: megabytes each, several
// times a second) are kept in the heap when freed instead of being returned
// to the kernel, so they are not faulted in again each time (and, with
// lock_memory, locked again). Called once at start by both processes.
void keep_freed_memory();

}  // namespace tandem::daemon
