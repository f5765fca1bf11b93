#pragma once
// A fetch in short texts for people (--format line and board): the time of day, the latency,
// the size, how the connection was got, the error in a few words. Pure.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "poller/base/duration.hpp"
#include "poller/base/fetch_result.hpp"

namespace poller {

// hh:mm:ss in the local time zone (TZ).
std::string local_time_of_day(std::chrono::system_clock::time_point time);

// "0.8ms", "12.3ms", "245ms", "1.23s", "12.3s": at most six columns, three significant digits.
std::string short_latency(Duration duration);

// "0B", "512B", "1.2K", "64K", "3.4M", "1.0G" (powers of 1024, as --max-filesize): at most five
// columns.
std::string short_size(std::uint64_t bytes);

// How the connection of the last request was got: "new", "reused", "resumed" (a new TLS
// connection that resumed an earlier session); "-" when none was (the fetch failed first).
std::string_view connection_kind(const FetchResult& result);

// The error's last clause, which names the cause ("connect to 127.0.0.1:1: Connection refused"
// → "Connection refused"), cut at `columns` with an ellipsis.
std::string short_error(std::string_view error, std::size_t columns);

// `text` cut to at most `columns` terminal cells, the last one "…" when something was cut.
// Cells as a UTF-8 terminal shows them (the C library's wcwidth under C.UTF-8, whatever the
// process's locale): a CJK character takes two, a combining mark none; malformed UTF-8 and
// control characters one a byte.
std::string fit_columns(std::string_view text, std::size_t columns);
// The same, cut in the middle: "http://api.exa…/v1/items" keeps what tells URLs apart.
std::string fit_columns_middle(std::string_view text, std::size_t columns);
// How many cells `text` takes, on the same terms.
std::size_t column_count(std::string_view text);
// How many bytes of `text`'s start (whole code points) fit in `columns` cells; and where the
// end that fits in `columns` cells starts.
std::size_t prefix_fitting(std::string_view text, std::size_t columns);
std::size_t suffix_fitting(std::string_view text, std::size_t columns);

// "45s", "3m12s", "2h05m", "3d04h": a duration in a few columns, to the second under an
// hour, then to the minute, then the hour.
std::string short_duration(std::chrono::system_clock::duration duration);

}  // namespace poller
