#pragma once
// Records a result in a ResultStore as the run does: with its verdict and its entry's state.

#include "poller/report/result_store.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

inline void record(ResultStore& store, const FetchResult& result, const Verdict& verdict) {
  UrlStates states(false);
  store.record(result, verdict, states.record(result, verdict));
}

// A result judged by no check, as the run would judge it without -f or --expect-*.
inline void record(ResultStore& store, const FetchResult& result) {
  record(store, result, wire_verdict(result));
}

}  // namespace poller
