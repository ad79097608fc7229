// The whole test framework of the standalone engine tests: one line per check,
// a failure count, and an exit status from it.
#pragma once

#include <cstdio>
#include <string>

namespace llava_test {

inline int& failure_count() {
    static int failures = 0;
    return failures;
}

inline void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
    std::fflush(stdout); // a later crash must not swallow the lines before it
    if (!ok) ++failure_count();
}

// Prints the verdict line and returns the process exit status.
inline int finish() {
    const int failures = failure_count();
    std::printf("%s: %d failure(s)\n", failures == 0 ? "OK" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}

} // namespace llava_test
