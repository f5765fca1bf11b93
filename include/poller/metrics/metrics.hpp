#pragma once
// Prometheus metrics of a run (--metrics-listen), read from its ResultStore: per URL the outcome
// of its last fetch and a histogram of the fetch's phases, overall the rounds and the
// connections; rendered in the text exposition format 0.0.4. No I/O here: metrics_server serves
// what this renders.
// https://github.com/prometheus/docs/blob/main/content/docs/instrumenting/exposition_formats.md

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "poller/report/result_store.hpp"

namespace poller {

// Where a rendering in pieces stands. A fresh cursor starts at the beginning.
struct MetricsCursor {
  std::size_t family = 0;
  std::optional<ResultStore::UrlKey> after_url;  // the last URL rendered of this family
  bool header_written = false;
};

// Appends the next piece of the exposition of `store` to `out`, going on until about `budget`
// bytes are appended (a URL's lines are never split); returns false once the end is appended. A
// scrape of 10,000 URLs is megabytes: rendered in pieces, it never holds the io thread (and the
// rounds) for long nor all in memory. A URL added or removed between pieces may be missed in this
// scrape, never doubled: URLs come in sorted order and the cursor remembers the last.
bool render_metrics_some(const ResultStore& store, MetricsCursor& cursor, std::string& out,
                         std::size_t budget);
std::string render_metrics(const ResultStore& store);  // all at once

// A label value as the text format wants it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);

}  // namespace poller
