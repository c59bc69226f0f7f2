// Reads another process's resident memory and CPU time from /proc. CPU time comes from
// /proc/PID/task/*/schedstat (nanoseconds, every thread) when the kernel has it, else from
// the utime+stime ticks of /proc/PID/stat.
#pragma once

#include <cstdint>
#include <sys/types.h>

namespace bench {

struct ProcessSample {
    bool ok = false;
    uint64_t rss_bytes = 0; // VmRSS of /proc/PID/status
    uint64_t cpu_ns = 0;
};

ProcessSample sample_process(pid_t pid);

} // namespace bench
