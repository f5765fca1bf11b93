#pragma once
// Prometheus metrics of a run (--metrics-listen), read from its ResultStore: per URL the outcome
// of its last fetch and a histogram of the fetch's phases, overall the rounds and the
// connections; rendered in the text exposition format 0.0.4. No I/O here: metrics_server serves
// what this renders.
// https://github.com/prometheus/docs/blob/main/content/docs/instrumenting/exposition_formats.md

#include <cstddef>
#include <string>
#include <string_view>

#include "poller/report/result_store.hpp"

namespace poller {

// Where a rendering in pieces stands. A fresh cursor starts at the beginning.
struct MetricsCursor {
  std::size_t family = 0;
  std::size_t url = 0;  // of the snapshot's URLs, the next to render in this family
  bool header_written = false;
};

// Appends the next piece of the exposition of `snapshot` to `out`, going on until about `budget`
// bytes are appended (a URL's lines are never split); returns false once the end is appended. A
// scrape of a long list is hundreds of megabytes: rendered a piece at a time, each written
// before the next is made, it neither holds the io thread (and the rounds) for long nor sits
// whole in memory, while the snapshot keeps it to one moment.
bool render_metrics_some(const ResultStore::Snapshot& snapshot, MetricsCursor& cursor,
                         std::string& out, std::size_t budget);
std::string render_metrics(const ResultStore& store);  // all at once

// A label value as the text format wants it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);

}  // namespace poller
