#pragma once
// The phases of a fetch, as blackbox_exporter's probe_http_duration_seconds names them, taken
// from a FetchResult's curl-style times.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"

namespace poller {

enum class FetchPhase { resolve, connect, tls, processing, transfer };
inline constexpr std::size_t fetch_phase_count = 5;
std::string_view to_string(FetchPhase phase);

// How long each phase of a fetch took; nullopt for a phase that did not happen: a reused
// connection has no resolve, connect or tls, plain http no tls, a fetch without a response no
// transfer. A phase that did not happen is no 0-second observation: it would drag the
// histogram's quantiles towards zero as more connections are reused.
using FetchPhases = std::array<std::optional<Duration>, fetch_phase_count>;
FetchPhases fetch_phases(const FetchResult& result);

}  // namespace poller
