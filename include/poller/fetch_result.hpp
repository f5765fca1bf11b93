#pragma once
// What one fetch produced: the value that flows from the client to the output sinks and the log.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "poller/duration.hpp"
#include "poller/target.hpp"

namespace poller {

struct FetchResult {
  const Target* target = nullptr;  // as listed
  std::uint64_t round = 0;         // from 1
  std::chrono::system_clock::time_point started;

  bool ok = false;
  bool cancelled = false;            // stopped by a signal: neither a success nor a failure
  std::optional<unsigned> status;    // absent when no response arrived
  std::string url_effective;         // after redirects, password removed
  unsigned redirects = 0;
  std::string error;                 // why the fetch failed, when !ok

  std::string_view body;  // the whole body when ok; valid until the next fetch
  std::uint64_t bytes = 0;

  bool reused = false;          // the (last) request went over a connection opened earlier
  unsigned connects = 0;        // new connections this fetch opened
  std::string remote_ip;
  Duration time_total{};
};

}  // namespace poller
