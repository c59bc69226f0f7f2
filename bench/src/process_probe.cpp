#include "process_probe.hpp"

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace bench {

namespace {

bool read_rss(pid_t pid, uint64_t& bytes) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            bytes = std::stoull(line.substr(6)) * 1024; // the kernel reports kB
            return true;
        }
    }
    return false;
}

bool read_schedstat(pid_t pid, uint64_t& ns) {
    std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = opendir(dir.c_str());
    if (!d) return false;
    bool any = false;
    ns = 0;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(dir + "/" + e->d_name + "/schedstat");
        uint64_t run = 0;
        if (in >> run) {
            ns += run;
            any = true;
        }
    }
    closedir(d);
    return any;
}

bool read_stat_ticks(pid_t pid, uint64_t& ns) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t paren = text.rfind(')'); // the command name may hold spaces and parentheses
    if (paren == std::string::npos) return false;
    std::istringstream fields(text.substr(paren + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) // fields 3..13 precede utime (14) and stime (15)
        fields >> skip;
    uint64_t utime = 0, stime = 0;
    if (!(fields >> utime >> stime)) return false;
    long hz = sysconf(_SC_CLK_TCK);
    ns = (utime + stime) * (1000000000u / static_cast<uint64_t>(hz > 0 ? hz : 100));
    return true;
}

} // namespace

ProcessSample sample_process(pid_t pid) {
    ProcessSample s;
    if (!read_rss(pid, s.rss_bytes)) return s;
    s.ok = read_schedstat(pid, s.cpu_ns) || read_stat_ticks(pid, s.cpu_ns);
    return s;
}

} // namespace bench
