#pragma once
// The log lines of politeness (report/politeness.hpp): one info line when a server's
// Retry-After pauses a URL, a -v line when its value cannot be read.

#include "poller/base/fetch_result.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

// A listener of judged results (poller.cpp), after the state has taken the result in.
void log_politeness(const FetchResult& result, const Verdict& verdict, const UrlState& state);

}  // namespace poller
