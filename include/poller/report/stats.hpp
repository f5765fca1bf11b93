#pragma once
// The run summary on SIGUSR1 and at exit with -v: rounds, fetches, failures, and per URL the
// median and p99 latency, read from the run's ResultStore.

#include <string>
#include <vector>

#include "poller/report/result_store.hpp"

namespace poller {

// Lines for stderr: a totals line, then one per URL in first-seen order, URLs that a reload
// dropped included.
std::vector<std::string> summary_lines(const ResultStore& store);

}  // namespace poller
