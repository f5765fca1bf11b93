#pragma once
// The run summary on SIGUSR1, and at exit on a terminal or with -v: rounds, fetches, failures,
// and per URL the min, median, p95, p99 and max latency and the share of the time it was up,
// read from the run's ResultStore.

#include <string>
#include <vector>

#include "poller/report/result_store.hpp"

namespace poller {

// Lines for stderr: a totals line, then one per URL in first-seen order, URLs that a reload
// dropped included.
std::vector<std::string> summary_lines(const ResultStore& store);

}  // namespace poller
