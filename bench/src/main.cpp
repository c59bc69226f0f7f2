// ssehub-bench: argv -> Options -> Run::execute(); nothing else.
#include "options.hpp"
#include "run.hpp"

#include <cstdio>
#include <exception>
#include <signal.h>

int main(int argc, char** argv) {
    bench::ParsedOptions parsed = bench::parse_options(argc, argv);
    if (parsed.exit_now) {
        std::fputs(parsed.message.c_str(), parsed.exit_status == 0 ? stdout : stderr);
        return parsed.exit_status;
    }
    signal(SIGPIPE, SIG_IGN); // a server that goes away is reported, not fatal
    try {
        bench::Run run(parsed.options);
        return run.execute();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ssehub-bench: %s\n", e.what());
        return 1;
    }
}
