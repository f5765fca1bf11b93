#include "poller/report/fetch_phases.hpp"

#include <algorithm>

#include "poller/input/target.hpp"

namespace poller {
namespace {

// A difference of two of FetchResult's times from the fetch start. With -L they can come from
// different hops (a later hop's resolve, an earlier hop's connect): never a negative duration.
Duration between(Duration from, Duration to) { return std::max(Duration::zero(), to - from); }

}  // namespace

std::string_view to_string(FetchPhase phase) {
  switch (phase) {
    case FetchPhase::resolve:
      return "resolve";
    case FetchPhase::connect:
      return "connect";
    case FetchPhase::tls:
      return "tls";
    case FetchPhase::processing:
      return "processing";
    case FetchPhase::transfer:
      return "transfer";
  }
  return "unknown";
}

FetchPhases fetch_phases(const FetchResult& result) {
  // FetchResult's times count from the start of the fetch, and are 0 for what did not happen.
  FetchPhases phases;
  auto set = [&](FetchPhase phase, Duration value) {
    phases[static_cast<std::size_t>(phase)] = value;
  };
  auto const zero = Duration::zero();
  if (result.time_namelookup > zero) set(FetchPhase::resolve, result.time_namelookup);
  if (result.time_connect > zero) {
    set(FetchPhase::connect, between(result.time_namelookup, result.time_connect));
  }
  bool const https = result.target != nullptr && result.target->origin.is_https();
  if (https && result.time_appconnect > zero) {
    set(FetchPhase::tls, between(result.time_connect, result.time_appconnect));
  }
  if (result.time_starttransfer > zero) {
    set(FetchPhase::processing,
        between(std::max(result.time_appconnect, result.time_connect), result.time_starttransfer));
  }
  // A response read whole; a fetch that broke off mid-response has no transfer to speak of.
  if (result.status)
    set(FetchPhase::transfer, between(result.time_starttransfer, result.time_total));
  return phases;
}

}  // namespace poller
