#include "daemon/realtime.hpp"

#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "daemon/log.hpp"

namespace tandem::daemon {
namespace {

std::string why(int err) {
  if (err == EPERM)
    return std::string(std::strerror(err)) + "; needs CAP_SYS_NICE (systemd: AmbientCapabilities=CAP_SYS_NICE) or a " +
           "large enough RLIMIT_RTPRIO (LimitRTPRIO=)";
  return std::strerror(err);
}

void apply_priority(int priority) {
  // (see run_at_normal_priority for the threads and processes it starts)
  sched_param param{};
  param.sched_priority = priority;
  const int policy = priority > 0 ? SCHED_RR : SCHED_OTHER;
  if (sched_setscheduler(0, policy, &param) != 0) {
    const int err = errno;
    log(log_err, "node.realtime_priority = " + std::to_string(priority) + ": sched_setscheduler failed: " + why(err) +
                     "; running at " + (priority > 0 ? "normal" : "the earlier") + " priority");
    return;
  }
  if (priority > 0)
    log(log_notice, "scheduling: SCHED_RR priority " + std::to_string(priority));
  else
    log(log_notice, "scheduling: normal (SCHED_OTHER)");
}

void apply_lock(bool lock) {
  if (!lock) {
    munlockall();
    log(log_notice, "memory: unlocked");
    return;
  }
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    const int err = errno;
    std::string reason = std::strerror(err);
    if (err == EPERM || err == ENOMEM)
      reason += "; needs CAP_IPC_LOCK (systemd: AmbientCapabilities=CAP_IPC_LOCK) or a large enough "
                "RLIMIT_MEMLOCK (LimitMEMLOCK=infinity)";
    log(log_err, "node.lock_memory = true: mlockall failed: " + reason + "; running with pageable memory");
    return;
  }
  log(log_notice, "memory: locked (mlockall)");
}

}  // namespace

void apply_realtime(const config::NodeSection& want, const config::NodeSection* before) {
  if (before ? want.realtime_priority != before->realtime_priority : want.realtime_priority != 0)
    apply_priority(want.realtime_priority);
  if (before ? want.lock_memory != before->lock_memory : want.lock_memory) apply_lock(want.lock_memory);
}

void run_at_normal_priority() {
  sched_param param{};
  param.sched_priority = 0;
  sched_setscheduler(0, SCHED_OTHER, &param);
}

void keep_freed_memory() {
  // Up to 64 MiB a block comes from the heap, and up to 128 MiB free at its
  // top stays there.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

}  // namespace tandem::daemon
